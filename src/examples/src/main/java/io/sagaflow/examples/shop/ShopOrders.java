package io.sagaflow.examples.shop;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.database.DuplicateKeys;
import io.sagaflow.errors.ConflictException;
import io.sagaflow.roles.ConditionalOnParticipantRole;
import io.sagaflow.txmessage.client.TxMessage;
import io.sagaflow.txmessage.client.TxMessageProducer;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The shop's local transaction: the order row and the OrderPlaced message commit together or not
 * at all, without the shop ever talking to the saga engine.
 */
@ConditionalOnParticipantRole("shop")
@Component
class ShopOrders {

    private final TxMessageProducer producer;
    private final JdbcTemplate jdbc;
    private final ObjectMapper objectMapper;
    private final Clock clock;

    ShopOrders(TxMessageProducer shopMessageProducer, JdbcTemplate jdbc, ObjectMapper objectMapper, Clock clock) {
        this.producer = shopMessageProducer;
        this.jdbc = jdbc;
        this.objectMapper = objectMapper;
        this.clock = clock;
    }

    record PlacedOrder(String orderId, String messageId) {
    }

    record ShopOrder(String orderId, String customerId, String sku, int quantity, BigDecimal amount, String country,
                     String messageId, Instant createdAt) {

        boolean sameAs(OrderController.OrderRequest order) {
            return customerId.equals(order.customerId()) && sku.equals(order.sku()) && quantity == order.quantity()
                    && amount.compareTo(order.amount()) == 0 && country.equals(order.country());
        }
    }

    /**
     * Places the order under {@code orderId} (or a fresh id). The order id is the primary key of
     * shop.orders: a second order with the same id fails in the local transaction, so its half
     * message is rolled back and nothing is announced twice.
     *
     * @return the placed order, or the existing one with this id if it is the same order
     * @throws ConflictException if an order with this id exists with other contents
     */
    Placement place(String orderId, OrderController.OrderRequest order) {
        try {
            return new Placement(placeNew(orderId != null ? orderId : UUID.randomUUID().toString(), order), true);
        } catch (RuntimeException e) {
            if (orderId == null || !DuplicateKeys.isCause(e)) {
                throw e;
            }
        }
        ShopOrder existing = find(orderId).orElseThrow(() -> new ConflictException(
                "order " + orderId + " is being placed by another request; retry it"));
        if (!existing.sameAs(order)) {
            throw new ConflictException("order " + orderId + " exists with other contents",
                    Map.of("orderId", orderId));
        }
        return new Placement(new PlacedOrder(orderId, existing.messageId()), false);
    }

    /** @param created {@code false} if the order existed already */
    record Placement(PlacedOrder order, boolean created) {
    }

    private PlacedOrder placeNew(String orderId, OrderController.OrderRequest order) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("orderId", orderId);
        event.put("customerId", order.customerId());
        event.put("sku", order.sku());
        event.put("quantity", order.quantity());
        event.put("amount", order.amount());
        event.put("country", order.country());
        TxMessage orderPlaced = TxMessage.of(ShopConfiguration.EVENTS_EXCHANGE, ShopConfiguration.ORDER_PLACED,
                json(event)).withType(ShopConfiguration.ORDER_PLACED);
        String messageId = producer.send(orderPlaced, id -> jdbc.update("""
                INSERT INTO shop.orders (order_id, customer_id, sku, quantity, amount, country, message_id, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, orderId, order.customerId(), order.sku(), order.quantity(), order.amount(), order.country(), id,
                Timestamp.from(clock.instant())));
        return new PlacedOrder(orderId, messageId);
    }

    Optional<ShopOrder> find(String orderId) {
        return jdbc.query("SELECT * FROM shop.orders WHERE order_id = ?", (rs, n) -> new ShopOrder(
                rs.getString("order_id"), rs.getString("customer_id"), rs.getString("sku"), rs.getInt("quantity"),
                rs.getBigDecimal("amount"), rs.getString("country"), rs.getString("message_id"),
                rs.getTimestamp("created_at").toInstant()), orderId).stream().findFirst();
    }

    private String json(Object value) {
        try {
            return objectMapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("order event not serializable", e);
        }
    }
}
