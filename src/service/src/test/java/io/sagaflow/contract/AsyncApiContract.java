package io.sagaflow.contract;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;

/**
 * {@code docs/asyncapi.yaml} as the tests use it: a message of the document ({@code CarReserve},
 * {@code StepReply}, ...) validates an AMQP message's basic properties ({@code x-amqp-properties}),
 * headers and JSON body against the document's own JSON Schemas (draft 7, as AsyncAPI's schema
 * object), {@code $ref}s resolved within the document.
 */
public final class AsyncApiContract {

    /** From the module's root, where Maven runs the tests. */
    public static final Path DOCUMENT = Path.of("docs", "asyncapi.yaml");
    private static final String IRI = "https://sagaflow.invalid/asyncapi.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JsonNode document;
    private final SchemaRegistry registry;

    private AsyncApiContract(JsonNode document) {
        this.document = document;
        String json = document.toString();
        this.registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7,
                builder -> builder.schemas(Map.of(IRI, json)));
    }

    public static AsyncApiContract load() {
        try {
            return new AsyncApiContract(new YAMLMapper().readTree(Files.readString(DOCUMENT, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + DOCUMENT.toAbsolutePath(), e);
        }
    }

    public JsonNode document() {
        return document;
    }

    /** The problems of {@code instance} against the schema at {@code pointer} (e.g. {@code /components/schemas/ReplyBody}). */
    public List<String> problems(String pointer, JsonNode instance) {
        if (document.at(pointer).isMissingNode()) {
            throw new IllegalArgumentException("docs/asyncapi.yaml has nothing at " + pointer);
        }
        Schema schema = registry.getSchema(SchemaLocation.of(IRI + "#" + pointer));
        List<String> problems = new ArrayList<>();
        for (Error error : schema.validate(instance)) {
            problems.add(pointer + ": " + error);
        }
        return problems;
    }

    /**
     * Every way the message differs from the document's message {@code name}: its AMQP properties,
     * its headers and its body, each against that message's schema. Empty if it conforms.
     */
    public List<String> problemsOf(String name, MessageProperties properties, String body) {
        String message = "/components/messages/" + name;
        if (document.at(message).isMissingNode()) {
            throw new IllegalArgumentException("docs/asyncapi.yaml has no message " + name);
        }
        List<String> problems = new ArrayList<>();
        problems.addAll(problems(message + "/x-amqp-properties", amqpProperties(properties)));
        problems.addAll(problems(message + "/headers", headers(properties)));
        try {
            problems.addAll(problems(message + "/payload", JSON.readTree(body)));
        } catch (IOException e) {
            problems.add(message + "/payload: not JSON: " + e.getMessage());
        }
        return problems;
    }

    /** The message's basic properties under their AMQP names; absent ones left out. */
    public static ObjectNode amqpProperties(MessageProperties properties) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        putIfPresent(node, "message_id", properties.getMessageId());
        putIfPresent(node, "type", properties.getType());
        putIfPresent(node, "correlation_id", properties.getCorrelationId());
        putIfPresent(node, "reply_to", properties.getReplyTo());
        putIfPresent(node, "content_type", properties.getContentType());
        putIfPresent(node, "content_encoding", properties.getContentEncoding());
        MessageDeliveryMode mode = properties.getReceivedDeliveryMode() != null
                ? properties.getReceivedDeliveryMode() : properties.getDeliveryMode();
        if (mode != null) {
            node.put("delivery_mode", MessageDeliveryMode.toInt(mode));
        }
        Date timestamp = properties.getTimestamp();
        if (timestamp != null) {
            node.put("timestamp", timestamp.getTime() / 1000);
        }
        return node;
    }

    /**
     * The AMQP header table as JSON: text as text (brokers may hand text over as bytes), numbers as
     * numbers, so a header sent as a number where the contract says text is caught.
     */
    public static ObjectNode headers(MessageProperties properties) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        properties.getHeaders().forEach((name, value) -> {
            if (value instanceof byte[] bytes) {
                node.put(name, new String(bytes, StandardCharsets.UTF_8));
            } else if (value != null && (value instanceof CharSequence || value.getClass().getName()
                    .endsWith("LongString"))) {
                node.put(name, value.toString());
            } else {
                node.set(name, JSON.valueToTree(value));
            }
        });
        return node;
    }

    private static void putIfPresent(ObjectNode node, String name, String value) {
        if (value != null) {
            node.put(name, value);
        }
    }

    /** Asserts that a message received from the broker conforms to the document's message {@code name}. */
    public void assertConforms(String name, org.springframework.amqp.core.Message message) {
        MessageProperties properties = message.getMessageProperties();
        String body = new String(message.getBody(), java.nio.charset.StandardCharsets.UTF_8);
        org.assertj.core.api.Assertions.assertThat(problemsOf(name, properties, body))
                .as("%s %s headers %s body %s", name, amqpProperties(properties), properties.getHeaders(), body)
                .isEmpty();
    }
}
