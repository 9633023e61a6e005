package io.sagaflow.saga;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The orchestrator knows no saga: every saga is a BPMN model plus participants, and nothing in the
 * packages {@code saga}, {@code outbox}, {@code messaging}, {@code participant} and {@code contract} may name one.
 *
 * <p>The check reads the compiled classes of those packages (nested, anonymous and lambda classes
 * included), parsing each class file's constant pool and structure, so it sees what the code
 * really contains and nothing of the comments and Javadoc (which may well use the order saga as an
 * example):
 * <ul>
 *   <li><b>identifiers</b> the packages declare: class, field, method, parameter, local variable and
 *       record component names, split into words ({@code OrderService} → order, service);</li>
 *   <li><b>string constants</b>: literals, constant values, string concatenation recipes and
 *       annotation values: process keys and command names ({@code trip-booking},
 *       {@code order-fulfillment}, {@code car.reserve}, {@code inventory.}) and any saga word among
 *       their words ({@code tripId}, {@code /api/orders});</li>
 *   <li><b>referenced types</b> of the project: none from {@code io.sagaflow.examples}, and no
 *       project type whose name holds a saga word.</li>
 * </ul>
 * Words are whole words: "ordering", "ordered", "card" or "carrier" are no saga words, and the
 * generic phrases in {@link #GENERIC_PHRASES} (SQL's ORDER BY, "in order", "compensation order",
 * "in flight", ...) are allowed. Names of the JDK's and libraries' own members
 * ({@code Comparator.reverseOrder()}) are theirs, not the orchestrator's, and are not checked.
 */
class NoSagaSpecificOrchestratorCodeTests {

    static final List<String> ORCHESTRATOR_PACKAGES = List.of(
            "io.sagaflow.saga", "io.sagaflow.outbox", "io.sagaflow.messaging", "io.sagaflow.participant",
            "io.sagaflow.start", "io.sagaflow.contract");

    /** Words of the example sagas and their participants (whole words, any case, singular or plural). */
    static final Set<String> SAGA_WORDS = Set.of(
            "trip", "car", "hotel", "flight", "order", "inventory", "payment", "shipping", "shipment");

    private static final String WORD_ALTERNATIVES = String.join("|", SAGA_WORDS.stream().sorted().toList());

    /** A process key or a command: {@code trip-booking}, {@code order-fulfillment}, {@code car.reserve}. */
    private static final Pattern KEY_OR_COMMAND = Pattern.compile(
            "(?i)(?<![a-z0-9])(" + WORD_ALTERNATIVES + ")s?[.-][a-z0-9][a-z0-9-]*");

    /**
     * Phrases that hold a saga word but name no saga: SQL's ORDER BY, the order of things, messages
     * in flight. Matched on whole words, after splitting names into words.
     */
    static final List<String> GENERIC_PHRASES = List.of("order by", "in order", "order of", "reverse order",
            "compensation order", "completion order", "commit order", "sort order", "in flight");

    /** Splits text and names into words: non-alphanumerics, camel humps, letter-digit changes. */
    private static final Pattern WORD_BOUNDARY = Pattern.compile("[^A-Za-z0-9]+"
            + "|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])");

    private static final Pattern PROJECT_TYPE = Pattern.compile("(?<![A-Za-z0-9_$])L?(io/sagaflow/[A-Za-z0-9_$/]+)");

    @Test
    @DisplayName("no class of the saga, outbox, messaging, participant, start or contract packages names a saga, a participant or a command of one")
    void orchestratorPackagesNameNoSaga() throws Exception {
        List<ClassFacts> classes = orchestratorClasses();

        assertThat(classes).as("compiled classes of " + ORCHESTRATOR_PACKAGES)
                .extracting(ClassFacts::name)
                .contains("io/sagaflow/saga/SagaStepBehavior", "io/sagaflow/saga/Sagas",
                        "io/sagaflow/saga/ReplyCorrelator", "io/sagaflow/outbox/OutboxRelay",
                        "io/sagaflow/messaging/TransactionalConsumer", "io/sagaflow/participant/Barrier",
                        "io/sagaflow/participant/Participant$Builder");
        for (String pkg : ORCHESTRATOR_PACKAGES) {
            String prefix = pkg.replace('.', '/') + "/";
            assertThat(classes).as("classes of " + pkg).anyMatch(facts -> facts.name().startsWith(prefix));
        }

        List<String> findings = classes.stream().flatMap(facts -> findings(facts).stream()).toList();
        assertThat(findings).as("saga-specific names in the orchestrator (" + classes.size() + " classes)").isEmpty();
    }

    @Test
    @DisplayName("the scanner sees saga names where they are: in the example participants and the shop, in identifiers and string constants")
    void scannerFindsSagaNamesInTheExamples() throws Exception {
        List<ClassFacts> classes = classesIn("io.sagaflow.examples");
        List<String> findings = classes.stream().flatMap(facts -> findings(facts).stream()).toList();

        for (String expected : List.of("io/sagaflow/examples/shop/OrderController: class name 'OrderController'",
                "string \"order-fulfillment\"", "string \"inventory.reserve\"", "string \"car.cancel\"",
                "string \"hotel.book\"", "string \"flight.book\"", "string \"orderId\"",
                "string \"carReservationId\"", "method name 'carParticipant'", "string \"/api/examples/hotels\"")) {
            assertThat(findings).as("a finding with " + expected).anyMatch(f -> f.contains(expected));
        }
    }

    @Test
    @DisplayName("the scanner sees every kind of name in a class file: declared names, locals, parameters, constants, annotation values, concatenations")
    void scannerSeesEveryKindOfName() throws Exception {
        List<String> findings = findings(ClassFacts.read(classBytes(TripBookingFixture.class)));

        for (String expected : List.of("class name 'NoSagaSpecificOrchestratorCodeTests$TripBookingFixture'",
                "field name 'hotelBookingId'", "method name 'reserveCar'", "parameter name 'flightNumber'",
                "local variable name 'shipment'", "string \"trip-booking\"", "string \"order-fulfillment\"",
                "string \"payment.charge\"", "string \"hotel \u0001 booked\"", "string \"Task_ReserveCar\"",
                "string \"orders\"")) {
            assertThat(findings).as("a finding with " + expected).anyMatch(f -> f.contains(expected));
        }
        assertThat(findings(ClassFacts.read(classBytes(GenericFixture.class)))).as("generic words are no findings")
                .isEmpty();
        assertThat(findings(new ClassFacts("io/sagaflow/saga/Anything", List.of(), List.of(),
                Set.of("io/sagaflow/examples/car/CarRentals", "io/sagaflow/web/ApiException"))))
                .containsExactly(
                        "io/sagaflow/saga/Anything: depends on example code io/sagaflow/examples/car/CarRentals");
    }

    @Test
    @DisplayName("string rules: process keys, commands, camel-case names and standalone saga words are found; ORDER BY, ordering, in order, order of, in flight are not")
    void stringRules() {
        for (String sagaSpecific : List.of("trip-booking", "order-fulfillment", "car.reserve", "hotel.cancel",
                "flight.book", "inventory.", "payment.refund", "shipping.schedule", "sagaflow.participant.inventory",
                "orderId", "tripId", "carReservationId", "Task_BookHotel", "hotel", "Flights", "an order",
                "/api/orders", "ORDER_ID", "the trip", "placeOrder", "OrderSaga", "flight BER-LIS")) {
            assertThat(stringFindings(sagaSpecific)).as("findings in \"%s\"", sagaSpecific).isNotEmpty();
        }
        for (String generic : List.of("SELECT seq FROM sagaflow.outbox_message ORDER BY seq LIMIT ?",
                "ORDER BY completion_seq", "ordering_key", "orderingKey", "messages leave in order",
                "order of completion", "reordered", "card", "carrier", "scary", "flighty", "tripwire",
                "sagaflow.commands", "sagaStep", "SAGA_STEP_REJECTED", "participant", "businessKeyVariable",
                "in-flight", "InFlight", "inFlight", "compensationOrder", "COMPENSATION_ORDER_PROPERTY",
                "reverseOrder", "compensations in reverse order", "messages leave in order.")) {
            assertThat(stringFindings(generic)).as("findings in \"%s\"", generic).isEmpty();
        }
    }

    // --- rules ---

    static List<String> findings(ClassFacts facts) {
        List<String> findings = new ArrayList<>();
        for (String identifier : facts.identifiers()) {
            String word = sagaWordIn(identifier.substring(identifier.indexOf(' ') + 1));
            if (word != null) {
                String[] kindAndName = identifier.split(" ", 2);
                findings.add(facts.name() + ": " + kindAndName[0].replace('_', ' ') + " name '" + kindAndName[1]
                        + "' (" + word + ")");
            }
        }
        for (String constant : facts.strings()) {
            for (String rule : stringFindings(constant)) {
                findings.add(facts.name() + ": string \"" + constant + "\" (" + rule + ")");
            }
        }
        for (String type : facts.projectTypes()) {
            if (type.startsWith("io/sagaflow/examples/")) {
                findings.add(facts.name() + ": depends on example code " + type);
                continue;
            }
            String simpleName = type.substring(type.lastIndexOf('/') + 1);
            String word = sagaWordIn(simpleName);
            if (word != null) {
                findings.add(facts.name() + ": uses type " + type + " (" + word + ")");
            }
        }
        return findings;
    }

    static List<String> stringFindings(String constant) {
        List<String> rules = new ArrayList<>();
        Matcher keyOrCommand = KEY_OR_COMMAND.matcher(constant);
        if (keyOrCommand.find()) {
            rules.add("process key or command '" + keyOrCommand.group() + "'");
        }
        String word = sagaWordIn(constant);
        if (word != null) {
            rules.add("word '" + word + "'");
        }
        return rules;
    }

    /**
     * The first saga word among the words of a Java name or a text ({@code carReservationId} → car,
     * reservation, id), generic phrases left out; or null.
     */
    static String sagaWordIn(String text) {
        String words = " " + String.join(" ", Arrays.stream(WORD_BOUNDARY.split(text))
                .filter(word -> !word.isEmpty()).map(word -> word.toLowerCase(Locale.ROOT)).toList()) + " ";
        for (String generic : GENERIC_PHRASES) {
            words = words.replace(" " + generic + " ", " ");
        }
        for (String word : words.trim().split(" ")) {
            String singular = word.endsWith("s") ? word.substring(0, word.length() - 1) : word;
            if (SAGA_WORDS.contains(word) || SAGA_WORDS.contains(singular)) {
                return word;
            }
        }
        return null;
    }

    // --- class files ---

    private static List<ClassFacts> orchestratorClasses() throws IOException, URISyntaxException {
        List<ClassFacts> classes = new ArrayList<>();
        for (String pkg : ORCHESTRATOR_PACKAGES) {
            classes.addAll(classesIn(pkg));
        }
        return classes;
    }

    /** A package's compiled classes, its sub-packages' too (messaging.embedded). */
    private static List<ClassFacts> classesIn(String pkg) throws IOException, URISyntaxException {
        List<ClassFacts> classes = new ArrayList<>();
        Path location = compiledClasses(pkg);
        // A module's target/classes, or its jar once `mvn verify` has packaged it.
        try (java.nio.file.FileSystem jar = Files.isRegularFile(location)
                ? java.nio.file.FileSystems.newFileSystem(location) : null) {
            Path root = jar == null ? location : jar.getPath("/");
            Path dir = root.resolve(pkg.replace('.', '/'));
            assertThat(Files.isDirectory(dir)).as("compiled package " + pkg + " in " + location).isTrue();
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".class")).sorted().toList()) {
                    classes.add(ClassFacts.read(Files.readAllBytes(file)));
                }
            }
        }
        return classes;
    }

    /** Where a package's main classes (not the tests) were compiled to: its module's target/classes or jar. */
    private static Path compiledClasses(String pkg) throws URISyntaxException {
        Class<?> member = MODULE_MEMBER.get(pkg);
        assertThat(member).as("a class of " + pkg).isNotNull();
        return Path.of(member.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /** One class of each package looked at, to find the module it was compiled in. */
    private static final java.util.Map<String, Class<?>> MODULE_MEMBER = java.util.Map.of(
            "io.sagaflow.saga", SagaModel.class,
            "io.sagaflow.outbox", io.sagaflow.outbox.Outbox.class,
            "io.sagaflow.messaging", io.sagaflow.messaging.Inbox.class,
            "io.sagaflow.participant", io.sagaflow.participant.Participant.class,
            "io.sagaflow.start", io.sagaflow.start.SagaStarter.class,
            "io.sagaflow.contract", io.sagaflow.contract.Topology.class,
            "io.sagaflow.examples", io.sagaflow.examples.simulation.Simulations.class);

    private static byte[] classBytes(Class<?> type) throws IOException {
        String resource = type.getName().replace('.', '/') + ".class";
        try (InputStream in = type.getClassLoader().getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            return in.readAllBytes();
        }
    }

    /**
     * What a class file names: its own identifiers ("kind name"), its string constants, and the
     * project types it refers to (in constant pool classes, descriptors and signatures).
     */
    record ClassFacts(String name, List<String> identifiers, List<String> strings, Set<String> projectTypes) {

        private static final int UTF8 = 1;
        private static final int INTEGER = 3;
        private static final int FLOAT = 4;
        private static final int LONG = 5;
        private static final int DOUBLE = 6;
        private static final int CLASS = 7;
        private static final int STRING = 8;
        private static final int FIELD_REF = 9;
        private static final int METHOD_REF = 10;
        private static final int INTERFACE_METHOD_REF = 11;
        private static final int NAME_AND_TYPE = 12;
        private static final int METHOD_HANDLE = 15;
        private static final int METHOD_TYPE = 16;
        private static final int DYNAMIC = 17;
        private static final int INVOKE_DYNAMIC = 18;
        private static final int MODULE = 19;
        private static final int PACKAGE = 20;

        static ClassFacts read(byte[] bytes) throws IOException {
            return new Reader(bytes).read();
        }

        /** A class file parser for exactly what the rules need (JVMS chapter 4). */
        private static final class Reader {

            private final DataInputStream in;
            private String[] utf8;
            private int[] tag;
            private int[] firstIndex;
            private final List<String> identifiers = new ArrayList<>();
            private final List<String> strings = new ArrayList<>();
            private final Set<String> projectTypes = new LinkedHashSet<>();

            Reader(byte[] bytes) {
                this.in = new DataInputStream(new ByteArrayInputStream(bytes));
            }

            ClassFacts read() throws IOException {
                if (in.readInt() != 0xCAFEBABE) {
                    throw new IOException("not a class file");
                }
                in.readUnsignedShort(); // minor
                in.readUnsignedShort(); // major
                readConstantPool();
                in.readUnsignedShort(); // access
                String thisClass = className(in.readUnsignedShort());
                in.readUnsignedShort(); // super (a CONSTANT_Class, seen with the pool)
                skip(2 * in.readUnsignedShort()); // interfaces (CONSTANT_Class entries too)
                String simpleName = thisClass.substring(thisClass.lastIndexOf('/') + 1);
                identifiers.add("class " + simpleName);

                int fields = in.readUnsignedShort();
                for (int i = 0; i < fields; i++) {
                    in.readUnsignedShort(); // access
                    identifiers.add("field " + utf8[in.readUnsignedShort()]);
                    in.readUnsignedShort(); // descriptor (types: see the pool scan)
                    readAttributes();
                }
                int methods = in.readUnsignedShort();
                for (int i = 0; i < methods; i++) {
                    in.readUnsignedShort(); // access
                    String method = utf8[in.readUnsignedShort()];
                    if (!method.startsWith("<")) { // <init>, <clinit>
                        identifiers.add("method " + method);
                    }
                    in.readUnsignedShort(); // descriptor
                    readAttributes();
                }
                readAttributes();
                return new ClassFacts(thisClass, List.copyOf(identifiers), List.copyOf(strings),
                        Set.copyOf(projectTypes));
            }

            private void readConstantPool() throws IOException {
                int count = in.readUnsignedShort();
                utf8 = new String[count];
                tag = new int[count];
                firstIndex = new int[count];
                for (int i = 1; i < count; i++) {
                    tag[i] = in.readUnsignedByte();
                    switch (tag[i]) {
                        case UTF8 -> utf8[i] = in.readUTF();
                        case INTEGER, FLOAT -> in.readInt();
                        case LONG, DOUBLE -> {
                            in.readLong();
                            i++; // takes two slots
                        }
                        case CLASS, STRING, METHOD_TYPE, MODULE, PACKAGE -> firstIndex[i] = in.readUnsignedShort();
                        case FIELD_REF, METHOD_REF, INTERFACE_METHOD_REF, NAME_AND_TYPE, DYNAMIC, INVOKE_DYNAMIC -> {
                            firstIndex[i] = in.readUnsignedShort();
                            in.readUnsignedShort();
                        }
                        case METHOD_HANDLE -> {
                            in.readUnsignedByte();
                            firstIndex[i] = in.readUnsignedShort();
                        }
                        default -> throw new IOException("unknown constant pool tag " + tag[i] + " at " + i);
                    }
                }
                for (int i = 1; i < count; i++) {
                    if (tag[i] == STRING) {
                        strings.add(utf8[firstIndex[i]]); // literals, constant values, concatenation recipes
                    } else if (tag[i] == CLASS) {
                        addProjectTypes(utf8[firstIndex[i]]);
                    } else if (tag[i] == UTF8) {
                        addProjectTypes(utf8[i]); // descriptors and signatures: Lio/sagaflow/...;
                    }
                }
            }

            private void addProjectTypes(String text) {
                if (text == null || !text.contains("io/sagaflow/")) {
                    return;
                }
                Matcher type = PROJECT_TYPE.matcher(text);
                while (type.find()) {
                    projectTypes.add(type.group(1));
                }
            }

            private String className(int classIndex) {
                return utf8[firstIndex[classIndex]];
            }

            private void readAttributes() throws IOException {
                int count = in.readUnsignedShort();
                for (int i = 0; i < count; i++) {
                    String attribute = utf8[in.readUnsignedShort()];
                    int length = in.readInt();
                    switch (attribute) {
                        case "Code" -> readCode();
                        case "LocalVariableTable", "LocalVariableTypeTable" -> {
                            int locals = in.readUnsignedShort();
                            for (int l = 0; l < locals; l++) {
                                skip(4); // start_pc, length
                                String local = utf8[in.readUnsignedShort()];
                                if (!"this".equals(local)) {
                                    identifiers.add("local_variable " + local);
                                }
                                skip(4); // descriptor or signature, index
                            }
                        }
                        case "MethodParameters" -> {
                            int parameters = in.readUnsignedByte();
                            for (int p = 0; p < parameters; p++) {
                                int nameIndex = in.readUnsignedShort();
                                in.readUnsignedShort(); // access
                                if (nameIndex != 0) {
                                    identifiers.add("parameter " + utf8[nameIndex]);
                                }
                            }
                        }
                        case "Record" -> {
                            int components = in.readUnsignedShort();
                            for (int c = 0; c < components; c++) {
                                identifiers.add("record_component " + utf8[in.readUnsignedShort()]);
                                in.readUnsignedShort(); // descriptor
                                readAttributes();
                            }
                        }
                        case "RuntimeVisibleAnnotations", "RuntimeInvisibleAnnotations" -> readAnnotations();
                        case "RuntimeVisibleParameterAnnotations", "RuntimeInvisibleParameterAnnotations" -> {
                            int parameters = in.readUnsignedByte();
                            for (int p = 0; p < parameters; p++) {
                                readAnnotations();
                            }
                        }
                        case "AnnotationDefault" -> readElementValue();
                        default -> skip(length); // types are in the pool; nothing else names anything
                    }
                }
            }

            private void readCode() throws IOException {
                skip(4); // max_stack, max_locals
                skip(in.readInt()); // bytecode: its constants are pool entries
                skip(8 * in.readUnsignedShort()); // exception table
                readAttributes(); // LocalVariableTable, ...
            }

            private void readAnnotations() throws IOException {
                int annotations = in.readUnsignedShort();
                for (int a = 0; a < annotations; a++) {
                    readAnnotation();
                }
            }

            private void readAnnotation() throws IOException {
                in.readUnsignedShort(); // type descriptor (types: see the pool scan)
                int pairs = in.readUnsignedShort();
                for (int p = 0; p < pairs; p++) {
                    in.readUnsignedShort(); // element name: the annotation's, not ours
                    readElementValue();
                }
            }

            private void readElementValue() throws IOException {
                int elementTag = in.readUnsignedByte();
                switch (elementTag) {
                    case 's' -> strings.add(utf8[in.readUnsignedShort()]);
                    case 'B', 'C', 'D', 'F', 'I', 'J', 'S', 'Z', 'c' -> in.readUnsignedShort();
                    case 'e' -> skip(4); // enum type and constant name
                    case '@' -> readAnnotation();
                    case '[' -> {
                        int values = in.readUnsignedShort();
                        for (int v = 0; v < values; v++) {
                            readElementValue();
                        }
                    }
                    default -> throw new IOException("unknown annotation element tag " + (char) elementTag);
                }
            }

            private void skip(int bytes) throws IOException {
                in.readNBytes(bytes);
            }
        }
    }

    // --- fixtures: compiled like the orchestrator, scanned by the self-tests ---

    @SuppressWarnings("unused")
    static final class TripBookingFixture {

        static final String PROCESS_KEY = "trip-booking";
        private String hotelBookingId;

        @DisplayName("order-fulfillment")
        String reserveCar(String flightNumber) {
            String shipment = "payment.charge";
            String step = "Task_ReserveCar";
            return shipment + flightNumber + step;
        }

        String concatenated(String name) {
            return "hotel " + name + " booked";
        }

        String orders() {
            return "orders";
        }
    }

    @SuppressWarnings("unused")
    static final class GenericFixture {

        static final String CLAIM = "SELECT seq FROM sagaflow.outbox_message WHERE ordering_key = ? ORDER BY seq";
        private final String orderingKey = "in order";

        List<Integer> sorted(List<Integer> numbers) {
            List<Integer> ordered = new ArrayList<>(numbers);
            ordered.sort(java.util.Comparator.reverseOrder());
            return Arrays.asList(ordered.toArray(Integer[]::new));
        }

        String describe(String cardNumber) {
            return "sorted in order of completion: " + cardNumber + orderingKey;
        }
    }
}
