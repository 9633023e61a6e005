package io.sagaflow.faults;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConnectionFactory;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Drives one scenario: places orders with known expected outcomes, waits for every saga of this
 * scenario to end, then checks the participants' tables and Camunda's history with plain SQL.
 * Everything is scoped to this scenario's customer-id prefix and its own SKU, so rows left by other
 * runs in the shared database never count.
 */
final class FaultHarness {

    static final String JDBC_URL = System.getProperty("sagaflow.faults.jdbc-url",
            "jdbc:postgresql://localhost:5432/sagaflow");
    static final String JDBC_USER = System.getProperty("sagaflow.faults.jdbc-user", "postgres");
    static final String JDBC_PASSWORD = System.getProperty("sagaflow.faults.jdbc-password", "");
    static final String RABBIT_HOST = System.getProperty("sagaflow.faults.rabbit-host", "localhost");
    static final long INITIAL_STOCK = 1_000_000L;
    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(3);
    static final List<String> QUEUES = List.of("sagaflow.participant.inventory", "sagaflow.participant.payment",
            "sagaflow.participant.shipping", "sagaflow.orchestrator.replies");

    /** What an order is built to do. */
    enum Kind { COMPLETE, DECLINE, REFUSE }

    record Order(int index, Kind kind, int quantity, BigDecimal amount, String country) {
    }

    record Saga(String sagaId, String orderId, String customerId, Kind kind, int quantity, BigDecimal amount,
                String state, boolean compensated, Instant started, Instant ended) {
        boolean terminal() {
            return "COMPLETED".equals(state);
        }
    }

    private List<ServiceProcess> services;
    private List<String> simulate = List.of();
    private final String prefix;
    private final String sku;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /**
     * The open-loop clients of {@link #offer}: HTTP/1.1 as the service speaks it (the JDK client would
     * offer every new connection an h2c upgrade), and many clients, because one JDK client does all its
     * I/O on one selector thread. The clients share the 2-core host with the service, PostgreSQL and
     * RabbitMQ, which the overload keeps busy, and the kernel shares the CPU out by thread: with one
     * client its selector thread, not the service, made requests wait seconds and connections time
     * out (a lone request got its answer in 0.1 s; the service's access log had the 503s in 36 ms).
     */
    private final List<HttpClient> openLoopClients = java.util.stream.IntStream.range(0, 32)
            .mapToObj(i -> HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                    .version(HttpClient.Version.HTTP_1_1).build())
            .toList();
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, String> acknowledged = new ConcurrentHashMap<>(); // sagaId -> customerId
    /** The client's own record of what it asked for, by customer id: the oracle's source of truth. */
    private final Map<String, Order> placed = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> acknowledgedByService = new ConcurrentHashMap<>();
    /** sagaId -> the service that accepted its start (the first, if a retry went to another). */
    private final Map<String, String> acceptedBy = new ConcurrentHashMap<>();
    private final AtomicInteger failedPosts = new AtomicInteger();
    private final AtomicInteger retriesAnsweredWithTheExistingSaga = new AtomicInteger();
    private final Set<String> republished = ConcurrentHashMap.newKeySet();
    private final Set<String> resentIds = ConcurrentHashMap.newKeySet();
    private final Set<String> lateActionIds = ConcurrentHashMap.newKeySet();
    private final AtomicInteger duplicatesInjected = new AtomicInteger();
    private final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    private final List<FaultWindow> faults = Collections.synchronizedList(new ArrayList<>());
    /** Every start request: when it was sent and when it was answered or failed. */
    private final List<Instant[]> startRequests = Collections.synchronizedList(new ArrayList<>());
    private final List<String> deadlineCompensationReport = Collections.synchronizedList(new ArrayList<>());
    private String virtualHost = "/";

    /**
     * A fault, from the moment it was injected until the system answered again (service healthy,
     * database accepting connections, broker port open).
     */
    record FaultWindow(String fault, Instant from, Instant to) {
        boolean overlaps(Instant waitFrom, Instant waitTo) {
            return !waitFrom.isAfter(to) && !waitTo.isBefore(from);
        }
    }

    /** At most this share of a scenario's sagas may end compensated only because a fault outlasted a step's deadline. */
    static final double DEADLINE_COMPENSATION_LIMIT = 0.02;

    FaultHarness(ServiceProcess service, String scenario) {
        this(List.of(service), scenario);
    }

    /** Orders go to the services in turn; a retry goes to whichever answers. */
    FaultHarness(List<ServiceProcess> services, String scenario) {
        this.services = List.copyOf(services);
        String run = UUID.randomUUID().toString().substring(0, 8);
        this.prefix = "fi-" + scenario + "-" + run;
        this.sku = ("FI-" + scenario + "-" + run).toUpperCase();
    }

    String prefix() {
        return prefix;
    }

    /**
     * Orders start as {@code POST /api/sagas/order-fulfillment} with these simulated behaviours of
     * the example participants (e.g. {@code shipping.schedule:delay=PT20S}), so sagas stay in flight.
     */
    FaultHarness withSimulation(List<String> simulate) {
        this.simulate = List.copyOf(simulate);
        return this;
    }

    /** From now on orders and REST checks go to these services (an upgrade: the old build stopped, the new one up). */
    void switchTo(List<ServiceProcess> newServices) {
        this.services = List.copyOf(newServices);
    }

    /** The RabbitMQ virtual host whose queues must be empty before the checks. */
    FaultHarness onVirtualHost(String virtualHost) {
        this.virtualHost = virtualHost;
        return this;
    }

    /** Records a fault: {@link #verify} requires that it hit sagas in flight, and explains deadline compensations by it. */
    void recordFault(String fault, Instant from, Instant to) {
        faults.add(new FaultWindow(fault, from, to));
        System.out.printf("[faults] %s: %s .. %s (%d ms)%n", fault, from, to, Duration.between(from, to).toMillis());
    }

    List<String> problems() {
        return problems;
    }

    int duplicatesInjected() {
        return duplicatesInjected.get();
    }

    int acknowledged() {
        return acknowledged.size();
    }

    /** The ids of the sagas whose start the named service accepted. */
    Set<String> acceptedBy(String serviceName) {
        return acceptedBy.entrySet().stream().filter(entry -> entry.getValue().equals(serviceName))
                .map(Map.Entry::getKey).collect(Collectors.toSet());
    }

    /** Sagas each service accepted (answered 202 for), by service name. */
    Map<String, Integer> acknowledgedByService() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        services.forEach(service -> counts.put(service.name(),
                acknowledgedByService.getOrDefault(service.name(), new AtomicInteger()).get()));
        return counts;
    }

    /** The scenario's own SKU, so stock levels can be checked exactly despite other runs. */
    void createStock() throws SQLException {
        try (Connection db = connect(); PreparedStatement insert = db.prepareStatement(
                "INSERT INTO inventory.stock (sku, available, reserved) VALUES (?, ?, 0)")) {
            insert.setString(1, sku);
            insert.setLong(2, INITIAL_STOCK);
            insert.executeUpdate();
        }
    }

    /** Three in five orders complete, one is declined by payment, one refused by shipping. */
    static List<Order> orders(int from, int count) {
        List<Order> orders = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            orders.add(order(i, switch (i % 5) {
                case 3 -> Kind.DECLINE;
                case 4 -> Kind.REFUSE;
                default -> Kind.COMPLETE;
            }));
        }
        return orders;
    }

    /** Valid orders only: every one of them should complete. */
    static List<Order> validOrders(int from, int count) {
        List<Order> orders = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            orders.add(order(i, Kind.COMPLETE));
        }
        return orders;
    }

    private static Order order(int i, Kind kind) {
        int quantity = 1 + i % 3;
        return switch (kind) {
            case DECLINE -> new Order(i, kind, quantity, new BigDecimal("20000.00"), "DE");
            case REFUSE -> new Order(i, kind, quantity, new BigDecimal("40.00").add(BigDecimal.valueOf(i % 7)), "XX");
            case COMPLETE -> new Order(i, kind, quantity, new BigDecimal("50.00").add(BigDecimal.valueOf(i % 11)), "DE");
        };
    }

    /** The customer id of an order: the scenario's prefix, the order's index and its kind's initial. */
    private String customerId(Order order) {
        return prefix + "-" + order.index() + "-" + order.kind().name().charAt(0);
    }

    /**
     * Places the orders with {@code parallelism} clients. A request that fails (the service is being
     * killed or the database restarted) is retried once the service answers again, as a real client
     * would: the same order with the same order id. The lost response may have started the saga;
     * the retry then answers 200 with that saga instead of starting a second one (checked below:
     * one saga per customer, one charge, one shipment).
     */
    void place(List<Order> orders, int parallelism, Duration serviceTimeout) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(parallelism);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Order order : orders) {
                futures.add(clients.submit(() -> {
                    placeWithRetry(order, serviceTimeout);
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            clients.shutdownNow();
        }
    }

    private void placeWithRetry(Order order, Duration serviceTimeout) throws Exception {
        ServiceProcess service = services.get(order.index() % services.size());
        String customerId = customerId(order);
        placed.put(customerId, order);
        Map<String, Object> variables = new LinkedHashMap<>(Map.of("orderId", customerId, "customerId", customerId,
                "sku", sku, "quantity", order.quantity(), "amount", order.amount(), "country", order.country()));
        String path = "/api/orders";
        if (!simulate.isEmpty()) {
            // The saga's own start takes the variables as the order endpoint would make them, plus simulate.
            variables.put("amount", order.amount().doubleValue());
            variables.put("simulate", simulate);
            path = "/api/sagas/order-fulfillment";
        }
        String body = json.writeValueAsString(variables);
        for (int attempt = 1; attempt <= 20; attempt++) {
            Instant[] request = {Instant.now(), null};
            startRequests.add(request);
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(service.baseUrl() + path))
                        .timeout(Duration.ofSeconds(30)).header("Authorization", basicAuth())
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                request[1] = Instant.now();
                // 202: this request started the saga; 200: a lost earlier attempt had, and this names it.
                if (response.statusCode() == 202 || response.statusCode() == 200) {
                    String sagaId = json.readTree(response.body()).get("sagaId").asText();
                    String earlier = acknowledged.putIfAbsent(sagaId, customerId);
                    if (earlier != null && !earlier.equals(customerId)) {
                        problems.add("saga " + sagaId + " acknowledged for " + earlier + " and " + customerId);
                    }
                    if (response.statusCode() == 200) {
                        retriesAnsweredWithTheExistingSaga.incrementAndGet();
                    }
                    acknowledgedByService.computeIfAbsent(service.name(), name -> new AtomicInteger()).incrementAndGet();
                    acceptedBy.putIfAbsent(sagaId, service.name());
                    return;
                }
                failedPosts.incrementAndGet();
            } catch (IOException e) {
                request[1] = Instant.now();
                failedPosts.incrementAndGet();
            }
            service = awaitHealthyService(serviceTimeout);
        }
        throw new IllegalStateException("order " + order + " could not be placed");
    }

    /**
     * What the clients of {@link #offer} saw.
     *
     * @param refusalMillis how long each 503/429 answer took, from sending the request
     * @param timeouts requests that got no answer within the request timeout (or could not connect)
     * @param failures those requests by the exception the client saw
     * @param otherAnswers answers that were neither an acceptance nor a refusal (each is also a problem)
     * @param offeredFor from the first request to the last order's first request
     * @param acceptedAfter from the first request until the last order was accepted
     */
    record OfferReport(int orders, int accepted, int refusals, int timeouts, Map<String, Integer> failures,
                       int otherAnswers,
                       List<Long> refusalMillis, Map<String, Integer> retryAfterSeconds, Duration offeredFor,
                       Duration acceptedAfter) {
    }

    /**
     * Offers orders as API clients that retry as they are told. Each order's first request goes out
     * at its time, {@code perSecond} of them a second, whatever the answers (an open loop), while no
     * more than {@code maxOutstanding} orders wait for acceptance (a closed loop if that binds). A
     * 503 or 429 is sent again after its {@code Retry-After}, a request without an answer within
     * {@code requestTimeout} after a second; both with the same order id, until the order is accepted
     * (202, or 200 naming the saga an earlier attempt started).
     */
    OfferReport offer(List<Order> orders, double perSecond, int maxOutstanding, Duration requestTimeout)
            throws InterruptedException {
        ScheduledExecutorService retries = Executors.newScheduledThreadPool(2);
        Semaphore outstanding = new Semaphore(maxOutstanding);
        CountDownLatch allAccepted = new CountDownLatch(orders.size());
        AtomicInteger refusals = new AtomicInteger();
        AtomicInteger timeouts = new AtomicInteger();
        AtomicInteger otherAnswers = new AtomicInteger();
        List<Long> refusalMillis = Collections.synchronizedList(new ArrayList<>());
        Map<String, Integer> retryAfterSeconds = new ConcurrentHashMap<>();
        Map<String, Integer> failures = new ConcurrentHashMap<>();
        Instant begin = Instant.now();
        try {
            for (int i = 0; i < orders.size(); i++) {
                Order order = orders.get(i);
                Instant due = begin.plusNanos((long) (i * 1e9 / perSecond));
                Duration wait = Duration.between(Instant.now(), due);
                if (!wait.isNegative()) {
                    LockSupport.parkNanos(wait.toNanos()); // paces the open loop: a clock, not a condition
                }
                outstanding.acquire();
                String customerId = customerId(order);
                placed.put(customerId, order);
                String body = json.writeValueAsString(Map.of("orderId", customerId, "customerId", customerId,
                        "sku", sku, "quantity", order.quantity(), "amount", order.amount(), "country", order.country()));
                ServiceProcess service = services.get(order.index() % services.size());
                new Runnable() {
                    @Override
                    public void run() {
                        Instant sent = Instant.now();
                        Instant[] request = {sent, null};
                        startRequests.add(request);
                        openLoopClients.get(order.index() % openLoopClients.size())
                                .sendAsync(HttpRequest.newBuilder(URI.create(service.baseUrl() + "/api/orders"))
                                        .timeout(requestTimeout).header("Authorization", clientAuth())
                                        // For the service's access log, when asked for (time spent before it).
                                        .header("X-Fault-Harness-Sent", Long.toString(sent.toEpochMilli()))
                                        .header("Content-Type", "application/json")
                                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                                HttpResponse.BodyHandlers.ofString())
                                .whenComplete((response, failure) -> {
                                    request[1] = Instant.now();
                                    if (failure != null) {
                                        timeouts.incrementAndGet();
                                        Throwable cause = failure instanceof java.util.concurrent.CompletionException
                                                && failure.getCause() != null ? failure.getCause() : failure;
                                        failures.merge(cause.getClass().getSimpleName(), 1, Integer::sum);
                                        retries.schedule(this, 1, TimeUnit.SECONDS);
                                        return;
                                    }
                                    int status = response.statusCode();
                                    if (status == 202 || status == 200) {
                                        accept(response, customerId, service);
                                        outstanding.release();
                                        allAccepted.countDown();
                                    } else if (status == 503 || status == 429) {
                                        refusals.incrementAndGet();
                                        refusalMillis.add(Duration.between(sent, request[1]).toMillis());
                                        String retryAfter = response.headers().firstValue("Retry-After").orElse("");
                                        retryAfterSeconds.merge(retryAfter, 1, Integer::sum);
                                        if (retryAfter.isEmpty()) {
                                            problems.add("refused order " + customerId + " without Retry-After: "
                                                    + status + " " + response.body());
                                        }
                                        long seconds = retryAfter.matches("\\d+") ? Long.parseLong(retryAfter) : 1;
                                        retries.schedule(this, seconds, TimeUnit.SECONDS);
                                    } else {
                                        otherAnswers.incrementAndGet();
                                        problems.add("order " + customerId + " answered " + status + ": "
                                                + response.body());
                                        retries.schedule(this, 1, TimeUnit.SECONDS);
                                    }
                                });
                    }
                }.run();
            }
            Duration offeredFor = Duration.between(begin, Instant.now());
            if (!allAccepted.await(30, TimeUnit.MINUTES)) {
                problems.add(allAccepted.getCount() + " orders were never accepted");
            }
            return new OfferReport(orders.size(), orders.size() - (int) allAccepted.getCount(), refusals.get(),
                    timeouts.get(), Map.copyOf(failures), otherAnswers.get(), List.copyOf(refusalMillis),
                    Map.copyOf(retryAfterSeconds), offeredFor, Duration.between(begin, Instant.now()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } finally {
            retries.shutdownNow();
        }
    }

    private void accept(HttpResponse<String> response, String customerId, ServiceProcess service) {
        try {
            String sagaId = json.readTree(response.body()).get("sagaId").asText();
            String earlier = acknowledged.putIfAbsent(sagaId, customerId);
            if (earlier != null && !earlier.equals(customerId)) {
                problems.add("saga " + sagaId + " acknowledged for " + earlier + " and " + customerId);
            }
            if (response.statusCode() == 200) {
                retriesAnsweredWithTheExistingSaga.incrementAndGet();
            }
            acknowledgedByService.computeIfAbsent(service.name(), name -> new AtomicInteger()).incrementAndGet();
            acceptedBy.putIfAbsent(sagaId, service.name());
        } catch (IOException e) {
            problems.add("acceptance of " + customerId + " is not JSON: " + response.body());
        }
    }

    /**
     * Sends every order to all services at the same moment, with one order id: two instances race
     * to start the same saga. Exactly one may answer 202, the others 200 naming the same saga; any
     * other answer is a problem. One saga per order is checked by {@link #verify}.
     */
    void placeEverywhereAtOnce(List<Order> orders) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(services.size());
        try {
            for (Order order : orders) {
                String customerId = customerId(order);
                placed.put(customerId, order);
                String body = json.writeValueAsString(Map.of("orderId", customerId, "customerId", customerId,
                        "sku", sku, "quantity", order.quantity(), "amount", order.amount(), "country", order.country()));
                CountDownLatch gate = new CountDownLatch(1);
                List<Future<HttpResponse<String>>> answers = new ArrayList<>();
                for (ServiceProcess service : services) {
                    answers.add(clients.submit(() -> {
                        gate.await();
                        return http.send(HttpRequest.newBuilder(URI.create(service.baseUrl() + "/api/orders"))
                                .timeout(Duration.ofSeconds(30)).header("Authorization", basicAuth())
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                                HttpResponse.BodyHandlers.ofString());
                    }));
                }
                gate.countDown();
                Set<String> sagaIds = new HashSet<>();
                int started = 0;
                for (Future<HttpResponse<String>> answer : answers) {
                    HttpResponse<String> response = answer.get();
                    if (response.statusCode() != 202 && response.statusCode() != 200) {
                        problems.add("order " + customerId + " answered " + response.statusCode() + ": "
                                + response.body());
                        continue;
                    }
                    started += response.statusCode() == 202 ? 1 : 0;
                    sagaIds.add(json.readTree(response.body()).get("sagaId").asText());
                }
                if (started != 1 || sagaIds.size() != 1) {
                    problems.add("order " + customerId + " sent to " + services.size() + " instances at once: "
                            + started + " answered 202, sagas named " + sagaIds);
                }
                sagaIds.forEach(sagaId -> acknowledged.put(sagaId, customerId));
            }
        } finally {
            clients.shutdownNow();
        }
    }

    private ServiceProcess awaitHealthyService(Duration timeout) {
        ServiceProcess[] healthy = new ServiceProcess[1];
        await("a service answers again").atMost(timeout).pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    healthy[0] = services.stream().filter(ServiceProcess::healthy).findFirst().orElse(null);
                    return healthy[0] != null;
                });
        return healthy[0];
    }

    /** Every saga of this scenario ended (COMPLETED in Camunda's history), or the timeout passed. */
    boolean awaitAllTerminal(Duration timeout) {
        try {
            await("all sagas of " + prefix + " terminal").atMost(timeout).pollInterval(Duration.ofSeconds(1))
                    .ignoreExceptions()
                    .until(() -> {
                        List<Saga> sagas = sagas();
                        Set<String> found = sagas.stream().map(Saga::sagaId).collect(Collectors.toSet());
                        return found.containsAll(acknowledged.keySet()) && sagas.stream().allMatch(Saga::terminal);
                    });
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }

    /**
     * All sagas whose customer id carries this scenario's prefix, from Camunda's process-instance
     * history (the order id, and so the business key, is the customer id): compensated is an ended
     * saga whose end event is not the fulfilled order's, as Camunda recorded it, not as Sagaflow's
     * registry says (which the REST API answers from, and this is checked against).
     */
    List<Saga> sagas() throws SQLException {
        try (Connection db = connect(); PreparedStatement query = db.prepareStatement("""
                SELECT p.proc_inst_id_, p.business_key_, p.state_, p.business_key_ AS customer_id, p.start_time_,
                       p.end_time_, p.end_time_ IS NOT NULL AND p.state_ = 'COMPLETED'
                           AND p.end_act_id_ IS DISTINCT FROM 'EndEvent_OrderFulfilled' AS compensated
                FROM act_hi_procinst p
                WHERE p.proc_def_key_ = 'order-fulfillment' AND p.business_key_ LIKE ?
                """)) {
            query.setString(1, prefix + "-%");
            List<Saga> sagas = new ArrayList<>();
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    String customerId = rs.getString("customer_id");
                    String[] parts = customerId.substring(prefix.length() + 1).split("-");
                    int index = Integer.parseInt(parts[0]);
                    Kind kind = Arrays.stream(Kind.values()).filter(k -> k.name().charAt(0) == parts[1].charAt(0))
                            .findFirst().orElseThrow();
                    Order order = order(index, kind);
                    Timestamp ended = rs.getTimestamp("end_time_");
                    sagas.add(new Saga(rs.getString(1), rs.getString(2), customerId, order.kind(), order.quantity(),
                            order.amount(), rs.getString(3), rs.getBoolean("compensated"),
                            rs.getTimestamp("start_time_").toInstant(), ended == null ? null : ended.toInstant()));
                }
            }
            return sagas;
        }
    }

    /**
     * What the participants recorded for each saga, read from their own tables, against what the client
     * sent for that order: the quantity reserved and shipped, the customer charged and the amount, the
     * country shipped to. A saga that ran with another order's data, or data changed on the way, shows here.
     */
    private List<String> effectsNotAsPlaced(Connection db, Array ids, Map<String, Saga> byId) throws SQLException {
        List<String> found = new ArrayList<>();
        try (PreparedStatement query = db.prepareStatement("""
                SELECT 'reservation' AS effect, saga_id, quantity, NULL AS customer_id, NULL AS amount, NULL AS country
                FROM inventory.reservation WHERE saga_id = ANY (?)
                UNION ALL
                SELECT 'charge', saga_id, NULL, customer_id, amount, NULL FROM payment.charge WHERE saga_id = ANY (?)
                UNION ALL
                SELECT 'shipment', saga_id, quantity, NULL, NULL, country FROM shipping.shipment WHERE saga_id = ANY (?)
                """)) {
            query.setArray(1, ids);
            query.setArray(2, ids);
            query.setArray(3, ids);
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    Saga saga = byId.get(rs.getString("saga_id"));
                    Order sent = placed.get(saga.customerId());
                    if (sent == null) {
                        continue; // reported above
                    }
                    String effect = rs.getString("effect");
                    long quantity = rs.getLong("quantity");
                    boolean matches = switch (effect) {
                        case "reservation" -> quantity == sent.quantity();
                        case "charge" -> saga.customerId().equals(rs.getString("customer_id"))
                                && sent.amount().compareTo(rs.getBigDecimal("amount")) == 0;
                        default -> quantity == sent.quantity() && sent.country().equals(rs.getString("country"));
                    };
                    if (!matches) {
                        found.add("saga " + saga.sagaId() + ": the " + effect + " recorded (quantity " + quantity
                                + ", customer " + rs.getString("customer_id") + ", amount " + rs.getBigDecimal("amount")
                                + ", country " + rs.getString("country") + ") is not what the client sent: " + sent);
                    }
                }
            }
        }
        return found;
    }

    /** Sagas of this scenario whose process instance ended after the given moment. */
    int endedAfter(Instant moment) throws SQLException {
        try (Connection db = connect(); PreparedStatement query = db.prepareStatement("""
                SELECT count(*) FROM act_hi_procinst p
                WHERE p.proc_def_key_ = 'order-fulfillment' AND p.business_key_ LIKE ? AND p.end_time_ > ?
                """)) {
            query.setString(1, prefix + "-%");
            query.setTimestamp(2, Timestamp.from(moment));
            try (ResultSet rs = query.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /**
     * Re-publishes every SENT command and reply of this scenario's sagas not yet re-published: once
     * with the same message id (a redelivery) and once with a new one (a re-send), in shuffled order,
     * straight to the broker.
     */
    int republishSent() throws Exception {
        List<Map<String, String>> rows = new ArrayList<>();
        try (Connection db = connect(); PreparedStatement query = db.prepareStatement("""
                SELECT o.message_id, o.exchange, o.routing_key, o.message_type, o.correlation_id, o.reply_to,
                       o.headers, o.payload
                FROM sagaflow.outbox_message o
                WHERE o.status = 'SENT' AND (o.message_id IN (SELECT command_id FROM sagaflow.saga_step WHERE saga_id = ANY (?))
                   OR o.correlation_id IN (SELECT command_id FROM sagaflow.saga_step WHERE saga_id = ANY (?)))
                """)) {
            Array ids = db.createArrayOf("varchar", sagas().stream().map(Saga::sagaId).toArray());
            query.setArray(1, ids);
            query.setArray(2, ids);
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    if (republished.contains(rs.getString("message_id"))) {
                        continue;
                    }
                    Map<String, String> row = new HashMap<>();
                    for (String column : List.of("message_id", "exchange", "routing_key", "message_type",
                            "correlation_id", "reply_to", "headers", "payload")) {
                        row.put(column, rs.getString(column));
                    }
                    rows.add(row);
                }
            }
        }
        List<Map.Entry<Map<String, String>, String>> copies = new ArrayList<>();
        for (Map<String, String> row : rows) {
            copies.add(Map.entry(row, row.get("message_id")));
            copies.add(Map.entry(row, "fi-resend-" + UUID.randomUUID()));
        }
        Collections.shuffle(copies);
        if (copies.isEmpty()) {
            return 0;
        }
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(RABBIT_HOST);
        try (com.rabbitmq.client.Connection connection = factory.newConnection("sagaflow-fault-injection");
             Channel channel = connection.createChannel()) {
            channel.confirmSelect();
            for (Map.Entry<Map<String, String>, String> copy : copies) {
                Map<String, String> row = copy.getKey();
                Map<String, Object> headers = new LinkedHashMap<>(
                        json.readValue(row.get("headers"), new TypeReference<Map<String, String>>() { }));
                AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder()
                        .messageId(copy.getValue()).type(row.get("message_type"))
                        .correlationId(row.get("correlation_id")).replyTo(row.get("reply_to"))
                        .contentType("application/json").contentEncoding("UTF-8").deliveryMode(2)
                        .headers(headers).build();
                channel.basicPublish(row.get("exchange"), row.get("routing_key"), true, properties,
                        row.get("payload").getBytes(StandardCharsets.UTF_8));
                // Each command copy is answered (the barrier replays its first answer); replies keep no
                // inbox row (the step row deduplicates them), so a reply copy is read once its queue is empty.
                if (!copy.getValue().equals(row.get("message_id")) && !row.get("message_type").endsWith(".reply")) {
                    resentIds.add(copy.getValue());
                }
            }
            channel.waitForConfirmsOrDie(30_000);
        }
        rows.forEach(row -> republished.add(row.get("message_id")));
        duplicatesInjected.addAndGet(copies.size());
        return copies.size();
    }

    /**
     * Reordering that RabbitMQ alone never produces here: for sagas whose payment was declined (so
     * shipping never ran), a shipping compensation arrives first (null compensation), and once it
     * was consumed, the shipping action follows (hanging action). Built from one of the run's own
     * shipping commands, so the format is exactly the orchestrator's. Neither may change anything.
     */
    int injectCompensationBeforeAction(int sagas) throws Exception {
        Map<String, String> template;
        String exchange;
        try (Connection db = connect(); PreparedStatement query = db.prepareStatement("""
                SELECT exchange, headers FROM sagaflow.outbox_message
                WHERE message_type = 'shipping.schedule' AND message_id IN
                      (SELECT command_id FROM sagaflow.saga_step WHERE saga_id = ANY (?))
                LIMIT 1
                """)) {
            query.setArray(1, db.createArrayOf("varchar", sagas().stream().map(Saga::sagaId).toArray()));
            try (ResultSet rs = query.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("no shipping command of this run to copy");
                }
                template = json.readValue(rs.getString("headers"), new TypeReference<Map<String, String>>() { });
                exchange = rs.getString("exchange");
            }
        }
        List<Saga> declined = sagas().stream().filter(saga -> saga.kind() == Kind.DECLINE && saga.terminal())
                .limit(sagas).toList();
        List<String> compensations = new ArrayList<>();
        List<Runnable> actions = new ArrayList<>();
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(RABBIT_HOST);
        try (com.rabbitmq.client.Connection connection = factory.newConnection("sagaflow-fault-injection");
             Channel channel = connection.createChannel()) {
            channel.confirmSelect();
            for (Saga saga : declined) {
                String payload = json.writeValueAsString(Map.of("orderId", saga.orderId(), "sku", sku,
                        "quantity", saga.quantity(), "country", "DE"));
                String compensationId = "fi-null-comp-" + UUID.randomUUID();
                publishCommand(channel, exchange, template, saga, "shipping.cancel", "COMPENSATION", compensationId, payload);
                compensations.add(compensationId);
                String actionId = "fi-hanging-" + UUID.randomUUID();
                actions.add(() -> {
                    try {
                        publishCommand(channel, exchange, template, saga, "shipping.schedule", "ACTION", actionId, payload);
                        lateActionIds.add(actionId);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
            channel.waitForConfirmsOrDie(30_000);
            Set<String> compensationIds = new HashSet<>(compensations);
            await("null compensations consumed").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                    .until(() -> answered(compensationIds) == compensationIds.size());
            actions.forEach(Runnable::run);
            channel.waitForConfirmsOrDie(30_000);
        }
        resentIds.addAll(compensations);
        resentIds.addAll(lateActionIds);
        duplicatesInjected.addAndGet(compensations.size() + lateActionIds.size());
        return declined.size();
    }

    private void publishCommand(Channel channel, String exchange, Map<String, String> template, Saga saga, String type,
                                String op, String messageId, String payload) throws IOException {
        Map<String, Object> headers = new LinkedHashMap<>(template);
        headers.put("sagaflow-saga-id", saga.sagaId());
        headers.put("sagaflow-business-key", saga.orderId());
        headers.put("sagaflow-op", op);
        AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder()
                .messageId(messageId).type(type).correlationId(messageId).replyTo("orchestrator")
                .contentType("application/json").contentEncoding("UTF-8").deliveryMode(2)
                .headers(headers).build();
        channel.basicPublish(exchange, type, true, properties, payload.getBytes(StandardCharsets.UTF_8));
    }

    /** Every re-sent command copy was answered, the queues are empty and no outbox row of ours is PENDING. */
    boolean awaitDuplicatesConsumed(Duration timeout) {
        try {
            await("injected duplicates consumed").atMost(timeout).pollInterval(Duration.ofSeconds(1))
                    .ignoreExceptions()
                    .until(() -> answered(resentIds) == resentIds.size() && queuesEmpty() && pendingOutboxRows() == 0);
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }

    /** Late actions answered with the barrier's refusal: their replies name the hanging action. */
    private int refusedAsHanging(Set<String> messageIds) throws SQLException {
        try (Connection db = connect(); PreparedStatement query = db.prepareStatement("""
                SELECT count(DISTINCT correlation_id) FROM sagaflow.outbox_message
                WHERE correlation_id = ANY (?) AND payload LIKE '%hanging action%'""")) {
            query.setArray(1, db.createArrayOf("varchar", messageIds.toArray()));
            try (ResultSet rs = query.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** Commands among these message ids that a participant answered: its reply is correlated to the id. */
    private int answered(Set<String> messageIds) throws SQLException {
        try (Connection db = connect(); PreparedStatement query = db.prepareStatement(
                "SELECT count(DISTINCT correlation_id) FROM sagaflow.outbox_message WHERE correlation_id = ANY (?)")) {
            query.setArray(1, db.createArrayOf("varchar", messageIds.toArray()));
            try (ResultSet rs = query.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /**
     * The saga queues hold no message, counting deliveries not yet acknowledged (a consumer's
     * passive declare would count only the ready ones).
     */
    private boolean queuesEmpty() {
        Map<String, Long> messagesByQueue = Shell.output("rabbitmqctl", "-q", "list_queues", "-p", virtualHost, "name",
                        "messages").lines().map(String::trim).map(line -> line.split("\\s+"))
                .filter(parts -> parts.length == 2 && QUEUES.contains(parts[0]))
                .collect(Collectors.toMap(parts -> parts[0], parts -> Long.parseLong(parts[1]), Long::sum));
        return messagesByQueue.keySet().containsAll(QUEUES) && messagesByQueue.values().stream().allMatch(count -> count == 0);
    }

    int pendingOutboxRows() throws SQLException {
        return countOutbox("PENDING");
    }

    /** Steps of this scenario still waiting for a reply or queued behind another compensation. */
    int unansweredSteps() throws SQLException {
        try (Connection db = connect(); PreparedStatement query = db.prepareStatement(
                "SELECT count(*) FROM sagaflow.saga_step WHERE saga_id = ANY (?) AND status IN ('WAITING', 'OVERDUE', 'QUEUED')")) {
            query.setArray(1, db.createArrayOf("varchar", sagas().stream().map(Saga::sagaId).toArray()));
            try (ResultSet rs = query.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /**
     * Waits until nothing of this scenario is left anywhere: the queues are empty, no outbox row is
     * PENDING, no step waits. Checking earlier would miss a message still on its way (a duplicate
     * applied after the check, a reply that would reopen an ended saga).
     */
    boolean awaitDrained(Duration timeout) {
        try {
            await("scenario " + prefix + " drained").atMost(timeout).pollInterval(Duration.ofSeconds(1))
                    .ignoreExceptions()
                    .until(() -> queuesEmpty() && pendingOutboxRows() == 0 && unansweredSteps() == 0);
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }

    /** A timed-out step: how long it waited for its reply. */
    private record TimedOutStep(String sagaId, String step, Instant sentAt, Instant deadlineAt) {
    }

    private List<TimedOutStep> timedOutSteps(Connection db, Array sagaIds) throws SQLException {
        List<TimedOutStep> steps = new ArrayList<>();
        try (PreparedStatement query = db.prepareStatement(
                "SELECT saga_id, step, sent_at, deadline_at FROM sagaflow.saga_step WHERE saga_id = ANY (?) AND status = 'TIMED_OUT'")) {
            query.setArray(1, sagaIds);
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    Timestamp deadline = rs.getTimestamp("deadline_at");
                    Instant sentAt = rs.getTimestamp("sent_at").toInstant();
                    steps.add(new TimedOutStep(rs.getString("saga_id"), rs.getString("step"), sentAt,
                            deadline == null ? sentAt : deadline.toInstant()));
                }
            }
        }
        return steps;
    }

    int failedOutboxRows() throws SQLException {
        return countOutbox("FAILED");
    }

    private int countOutbox(String status) throws SQLException {
        try (Connection db = connect(); PreparedStatement query = db.prepareStatement("""
                SELECT count(*) FROM sagaflow.outbox_message o WHERE o.status = ?
                AND (o.message_id IN (SELECT command_id FROM sagaflow.saga_step WHERE saga_id = ANY (?))
                  OR o.correlation_id IN (SELECT command_id FROM sagaflow.saga_step WHERE saga_id = ANY (?)))
                """)) {
            Array ids = db.createArrayOf("varchar", sagas().stream().map(Saga::sagaId).toArray());
            query.setString(1, status);
            query.setArray(2, ids);
            query.setArray(3, ids);
            try (ResultSet rs = query.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /**
     * The end-state checks. Returns the summary line; every violation is also added to
     * {@link #problems()} with the saga it concerns.
     */
    ScenarioResult verify(String scenario, int kills, Duration duration) throws Exception {
        if (!awaitDrained(DRAIN_TIMEOUT)) {
            problems.add("not drained within " + DRAIN_TIMEOUT + ": queues empty " + queuesEmpty() + ", PENDING outbox rows "
                    + pendingOutboxRows() + ", unanswered steps " + unansweredSteps());
        }
        List<Saga> sagas = sagas();
        Map<String, Saga> byId = sagas.stream().collect(Collectors.toMap(Saga::sagaId, s -> s));
        int lost = 0;
        for (Map.Entry<String, String> ack : acknowledged.entrySet()) {
            Saga saga = byId.get(ack.getKey());
            if (saga == null) {
                lost++;
                problems.add("acknowledged saga " + ack.getKey() + " (" + ack.getValue() + ") not in history");
            } else if (!saga.customerId().equals(ack.getValue())) {
                problems.add("saga " + ack.getKey() + " was acknowledged for " + ack.getValue() + " but runs for "
                        + saga.customerId());
            }
        }
        for (Saga saga : sagas) {
            if (placed.get(saga.customerId()) == null) {
                problems.add("saga " + saga.sagaId() + " for " + saga.customerId() + " matches no order the client placed");
            }
        }
        int inFlightAtFaults = 0;
        for (FaultWindow fault : faults) {
            // Started before the fault, not ended when it began: the fault hit this saga mid-way.
            long sagasHit = sagas.stream().filter(saga -> saga.started().isBefore(fault.from())
                    && (saga.ended() == null || saga.ended().isAfter(fault.from()))).count();
            // Start requests sent before the fault and answered (or failed) after it began.
            long requestsHit;
            synchronized (startRequests) {
                requestsHit = startRequests.stream().filter(request -> request[0].isBefore(fault.from())
                        && (request[1] == null || request[1].isAfter(fault.from()))).count();
            }
            long hit = sagasHit + requestsHit;
            inFlightAtFaults += (int) hit;
            System.out.printf("[faults] %s hit %d sagas and %d start requests in flight%n", fault.fault(), sagasHit,
                    requestsHit);
            if (hit == 0) {
                problems.add(fault.fault() + " at " + fault.from() + " hit no saga in flight: it proves nothing");
            }
        }
        for (Saga saga : sagas) {
            if (!saga.terminal()) {
                lost++;
                problems.add("saga " + saga.sagaId() + " " + saga.customerId() + " not terminal: " + saga.state()
                        + ", REST: " + restStatus(saga.sagaId()));
            }
        }
        int failedRows = failedOutboxRows();
        if (failedRows > 0) {
            lost += failedRows;
            problems.add(failedRows + " outbox rows of this scenario are FAILED");
        }

        Array ids;
        Map<String, List<String>> reservations;
        Map<String, List<String>> charges;
        Map<String, List<String>> shipments;
        Map<String, BigDecimal[]> ledgers = new HashMap<>();
        long stockAvailable;
        long stockReserved;
        int nullCompensations;
        int hanging;
        List<TimedOutStep> timedOut;
        try (Connection db = connect()) {
            ids = db.createArrayOf("varchar", byId.keySet().toArray());
            problems.addAll(effectsNotAsPlaced(db, ids, byId));
            reservations = statusesByOrder(db, "SELECT order_id, status FROM inventory.reservation WHERE saga_id = ANY (?) OR order_id = ANY (?)", ids, sagas);
            charges = statusesByOrder(db, "SELECT order_id, status FROM payment.charge WHERE saga_id = ANY (?) OR order_id = ANY (?)", ids, sagas);
            shipments = statusesByOrder(db, "SELECT order_id, status FROM shipping.shipment WHERE saga_id = ANY (?) OR order_id = ANY (?)", ids, sagas);
            try (PreparedStatement query = db.prepareStatement(
                    "SELECT customer_id, charged, refunded FROM payment.ledger WHERE customer_id LIKE ?")) {
                query.setString(1, prefix + "-%");
                try (ResultSet rs = query.executeQuery()) {
                    while (rs.next()) {
                        ledgers.put(rs.getString(1), new BigDecimal[] {rs.getBigDecimal(2), rs.getBigDecimal(3)});
                    }
                }
            }
            try (PreparedStatement query = db.prepareStatement(
                    "SELECT available, reserved FROM inventory.stock WHERE sku = ?")) {
                query.setString(1, sku);
                try (ResultSet rs = query.executeQuery()) {
                    rs.next();
                    stockAvailable = rs.getLong(1);
                    stockReserved = rs.getLong(2);
                }
            }
            try (PreparedStatement query = db.prepareStatement("""
                    SELECT count(*) FROM sagaflow.participant_barrier
                    WHERE saga_id = ANY (?) AND op = 'ACTION' AND reason LIKE '%hanging%'
                    """)) {
                // A null compensation leaves an ACTION row answered "hanging" for the action to come.
                query.setArray(1, ids);
                try (ResultSet rs = query.executeQuery()) {
                    rs.next();
                    nullCompensations = rs.getInt(1);
                }
            }
            // Hanging actions: the late actions we sent after a null compensation, refused by the barrier.
            hanging = refusedAsHanging(lateActionIds);
            timedOut = timedOutSteps(db, ids);
        }

        int doubleEffects = 0;
        int completed = 0;
        int compensated = 0;
        int deadlineCompensations = 0;
        long expectedReserved = 0;
        Set<String> customers = new HashSet<>();
        for (Saga saga : sagas) {
            if (!customers.add(saga.customerId())) {
                doubleEffects++;
                problems.add("two sagas for customer " + saga.customerId());
            }
            List<String> reservation = reservations.getOrDefault(saga.orderId(), List.of());
            List<String> charge = charges.getOrDefault(saga.orderId(), List.of());
            List<String> shipment = shipments.getOrDefault(saga.orderId(), List.of());
            for (Map.Entry<String, List<String>> effect : Map.of("reservation", reservation, "charge", charge,
                    "shipment", shipment).entrySet()) {
                if (effect.getValue().size() > 1) {
                    doubleEffects++;
                    problems.add(saga.sagaId() + ": " + effect.getValue().size() + " " + effect.getKey() + " rows");
                }
            }
            BigDecimal[] ledger = ledgers.get(saga.customerId());
            if (!saga.terminal()) {
                continue;
            }
            if (!saga.compensated()) {
                completed++;
                expectedReserved += saga.quantity();
                expect(saga, saga.kind() == Kind.COMPLETE, "completed although built to " + saga.kind());
                expect(saga, reservation.equals(List.of("RESERVED")), "reservation " + reservation);
                expect(saga, charge.equals(List.of("CHARGED")), "charge " + charge);
                expect(saga, shipment.equals(List.of("SCHEDULED")), "shipment " + shipment);
                if (ledger == null || ledger[0].compareTo(saga.amount()) != 0 || ledger[1].signum() != 0) {
                    doubleEffects++;
                    problems.add(saga.sagaId() + ": ledger " + describe(ledger) + " for a charge of " + saga.amount());
                }
            } else {
                compensated++;
                if (saga.kind() == Kind.COMPLETE) {
                    // Legitimate only if a fault held up a step's reply past its deadline (the outcome
                    // was unknown): the step waited while a fault lasted. Anything else is a lost
                    // command or reply.
                    Optional<String> explanation = timedOut.stream().filter(step -> step.sagaId().equals(saga.sagaId()))
                            .flatMap(step -> faults.stream().filter(fault -> fault.overlaps(step.sentAt(), step.deadlineAt()))
                                    .map(fault -> step.step() + " waited " + step.sentAt() + " .. " + step.deadlineAt()
                                            + " across " + fault.fault()))
                            .findFirst();
                    expect(saga, explanation.isPresent(), "compensated although built to complete, and no step of it "
                            + "waited across a fault (timed out: " + timedOut.stream()
                            .filter(step -> step.sagaId().equals(saga.sagaId())).toList() + ")");
                    deadlineCompensations++;
                    deadlineCompensationReport.add(saga.sagaId() + " (" + saga.customerId() + "): "
                            + explanation.orElse("no fault") + "; left reservation " + reservation + ", charge " + charge
                            + ", shipment " + shipment + ", ledger " + describe(ledger));
                }
                expect(saga, reservation.isEmpty() || reservation.equals(List.of("RELEASED")), "reservation " + reservation);
                expect(saga, charge.isEmpty() || charge.equals(List.of("REFUNDED")), "charge " + charge);
                expect(saga, !shipment.contains("SCHEDULED"), "shipment " + shipment);
                if (ledger != null && ledger[0].compareTo(ledger[1]) != 0) {
                    doubleEffects++;
                    problems.add(saga.sagaId() + ": compensated but ledger " + describe(ledger));
                }
                if (ledger != null && ledger[0].signum() != 0 && ledger[0].compareTo(saga.amount()) != 0) {
                    doubleEffects++;
                    problems.add(saga.sagaId() + ": charged " + ledger[0] + " for an amount of " + saga.amount());
                }
            }
        }
        int deadlineLimit = (int) Math.floor(sagas.size() * DEADLINE_COMPENSATION_LIMIT);
        deadlineCompensationReport.forEach(line -> System.out.println("[faults] deadline compensation " + line));
        System.out.printf("[faults] %s: %d deadline compensations of %d sagas (limit %d, %.0f %%)%n", scenario,
                deadlineCompensations, sagas.size(), deadlineLimit, DEADLINE_COMPENSATION_LIMIT * 100);
        if (deadlineCompensations > deadlineLimit) {
            problems.add(deadlineCompensations + " sagas built to complete ended compensated after a deadline, over the "
                    + "limit of " + deadlineLimit + " (" + DEADLINE_COMPENSATION_LIMIT * 100 + " % of " + sagas.size() + ")");
        }
        if (stockReserved != expectedReserved || stockAvailable != INITIAL_STOCK - expectedReserved) {
            doubleEffects++;
            problems.add("stock of " + sku + ": available " + stockAvailable + ", reserved " + stockReserved
                    + ", expected reserved " + expectedReserved);
        }
        crossCheckRest(sagas);
        return new ScenarioResult(scenario, sagas.size(), completed, compensated, duplicatesInjected.get(), kills,
                inFlightAtFaults, lost, doubleEffects, deadlineCompensations, nullCompensations, hanging, failedPosts.get(),
                retriesAnsweredWithTheExistingSaga.get(), duration);
    }

    private void expect(Saga saga, boolean condition, String problem) {
        if (!condition) {
            problems.add("saga " + saga.sagaId() + " (" + saga.customerId() + "): " + problem);
        }
    }

    private static String describe(BigDecimal[] ledger) {
        return ledger == null ? "absent" : "charged " + ledger[0] + " refunded " + ledger[1];
    }

    private static Map<String, List<String>> statusesByOrder(Connection db, String sql, Array sagaIds, List<Saga> sagas)
            throws SQLException {
        Map<String, List<String>> statuses = new HashMap<>();
        try (PreparedStatement query = db.prepareStatement(sql)) {
            query.setArray(1, sagaIds);
            query.setArray(2, db.createArrayOf("varchar", sagas.stream().map(Saga::orderId).toArray()));
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    statuses.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
                }
            }
        }
        return statuses;
    }

    String restStatus(String sagaId) {
        try {
            ServiceProcess service = services.stream().filter(ServiceProcess::alive).findFirst().orElseThrow();
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(service.baseUrl() + "/api/sagas/" + sagaId))
                    .timeout(Duration.ofSeconds(10)).header("Authorization", basicAuth()).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return "HTTP " + response.statusCode();
            }
            JsonNode body = json.readTree(response.body());
            return body.path("status").asText();
        } catch (Exception e) {
            return "unreachable (" + e.getClass().getSimpleName() + ")";
        }
    }

    /** Sagas whose REST status is checked: all of a scenario up to this many, else a random sample of this many. */
    private static final int REST_CROSS_CHECKS = 500;

    /** The REST API's view of every saga (or of a random sample of a large scenario) must agree with the history-based classification. */
    private void crossCheckRest(List<Saga> all) {
        List<Saga> sagas = new ArrayList<>(all);
        Collections.shuffle(sagas);
        for (Saga saga : sagas.subList(0, Math.min(sagas.size(), REST_CROSS_CHECKS))) {
            String expected = !saga.terminal() ? "RUNNING" : saga.compensated() ? "COMPENSATED" : "COMPLETED";
            String actual = restStatus(saga.sagaId());
            if (!expected.equals(actual)) {
                problems.add("saga " + saga.sagaId() + ": REST says " + actual + ", history says " + expected);
            }
        }
    }

    static Connection connect() throws SQLException {
        return DriverManager.getConnection(JDBC_URL, JDBC_USER, JDBC_PASSWORD);
    }

    /** The API client the service is configured with ({@link ServiceProcess#CLIENT_ID}): what a front end starts sagas as. */
    private static String clientAuth() {
        return "Basic " + Base64.getEncoder().encodeToString(
                (ServiceProcess.CLIENT_ID + ":" + ServiceProcess.CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
    }

    private static String basicAuth() {
        return "Basic " + Base64.getEncoder().encodeToString(
                (ServiceProcess.ADMIN_USER + ":" + ServiceProcess.ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
    }

    static int randomBetween(int from, int to) {
        return ThreadLocalRandom.current().nextInt(from, to + 1);
    }
}
