package io.sagaflow.txmessage;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Body of a prepare, over REST ({@code POST /api/tx-messages}) and AMQP alike; validated into a
 * {@link HalfMessage}.
 *
 * @param id optional; the client's id makes a repeated prepare idempotent
 * @param type AMQP type of the delivered message; the routing key if absent
 * @param payload any JSON value; a JSON string is delivered as its text, anything else as JSON
 */
record PrepareRequest(String id, String producerGroup, String exchange, String routingKey, String type,
                      Map<String, String> headers, JsonNode payload) {
}
