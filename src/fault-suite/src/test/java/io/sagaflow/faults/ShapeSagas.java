package io.sagaflow.faults;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The shapes beside the straight order saga, placed during a fault scenario so that kill -9, broker
 * and database crashes hit them too: trips ({@code trip-booking}: a car, then hotel and flight in
 * parallel) and travel packages ({@code travel-package}: the trip as a sub-saga, then a payment). Each
 * is built to complete, to be refused by the flight (to {@code XXX}), or, for packages, to have its
 * payment declined after the trip completed (which compensates the whole sub-saga). The checks read
 * the participants' own tables: a saga that ended COMPLETED keeps exactly one car, hotel and flight
 * booking (and one charge); one that ended COMPENSATED keeps none, its sub-saga's included.
 */
final class ShapeSagas {

    enum Kind {
        TRIP_COMPLETES("trip-booking", "LIS", "50.00"),
        TRIP_FLIGHT_REFUSED("trip-booking", "XXX", "50.00"),
        PACKAGE_COMPLETES("travel-package", "LIS", "50.00"),
        PACKAGE_PAYMENT_DECLINED("travel-package", "LIS", "20000.00"),
        PACKAGE_FLIGHT_REFUSED("travel-package", "XXX", "50.00");

        final String processKey;
        final String destination;
        final String amount;

        Kind(String processKey, String destination, String amount) {
            this.processKey = processKey;
            this.destination = destination;
            this.amount = amount;
        }

        boolean completes() {
            return this == TRIP_COMPLETES || this == PACKAGE_COMPLETES;
        }

        boolean isPackage() {
            return "travel-package".equals(processKey);
        }
    }

    private final List<ServiceProcess> services;
    private final String prefix;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, Kind> placed = new ConcurrentHashMap<>(); // sagaId -> kind

    ShapeSagas(List<ServiceProcess> services, String scenario) {
        this.services = List.copyOf(services);
        this.prefix = "fi-shape-" + scenario + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Places {@code count} sagas, the kinds in turn, each retried (same business key) until it is acknowledged. */
    void place(int count, Duration serviceTimeout) throws Exception {
        Kind[] kinds = Kind.values();
        for (int i = 0; i < count; i++) {
            Kind kind = kinds[i % kinds.length];
            String id = prefix + "-" + i;
            Map<String, Object> variables = new LinkedHashMap<>();
            variables.put("orderId", id);
            variables.put("tripId", id);
            variables.put("customerId", id);
            variables.put("amount", Double.parseDouble(kind.amount));
            variables.put("city", "Lisbon");
            variables.put("days", 3);
            variables.put("nights", 2);
            variables.put("from", "BER");
            variables.put("to", kind.destination);
            String body = json.writeValueAsString(variables);
            placeWithRetry(kind, body, serviceTimeout, i);
        }
    }

    private void placeWithRetry(Kind kind, String body, Duration serviceTimeout, int index) throws Exception {
        for (int attempt = 1; attempt <= 30; attempt++) {
            ServiceProcess service = services.get((index + attempt) % services.size());
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                                URI.create(service.baseUrl() + "/api/sagas/" + kind.processKey))
                        .timeout(Duration.ofSeconds(30)).header("Authorization", adminAuth())
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 202 || response.statusCode() == 200) {
                    placed.put(json.readTree(response.body()).get("sagaId").asText(), kind);
                    return;
                }
            } catch (java.io.IOException e) {
                // the service is being killed or restarted: the same request again, as a client would
            }
            await("a service answers again").atMost(serviceTimeout).pollInterval(Duration.ofMillis(500))
                    .until(() -> services.stream().anyMatch(ServiceProcess::healthy));
        }
        throw new IllegalStateException("a " + kind + " saga could not be placed");
    }

    int placed() {
        return placed.size();
    }

    /** Every placed saga and every sub-saga of a package has ended, or the timeout passed. */
    boolean awaitAllEnded(Duration timeout) {
        try {
            await("shape sagas of " + prefix + " ended").atMost(timeout).pollInterval(Duration.ofSeconds(1))
                    .ignoreExceptions().until(() -> {
                        for (String sagaId : placed.keySet()) {
                            if (status(sagaId) == null || "RUNNING".equals(status(sagaId))) {
                                return false;
                            }
                            String child = childOf(sagaId);
                            if (child != null && "RUNNING".equals(status(child))) {
                                return false;
                            }
                        }
                        return true;
                    });
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }

    /**
     * The end-state checks, one problem per violation. A saga built to complete may end compensated
     * only if one of its steps (or its sub-saga's) timed out during the fault, as the order harness allows.
     */
    List<String> verify() throws SQLException {
        List<String> problems = new ArrayList<>();
        int completed = 0;
        int compensated = 0;
        for (Map.Entry<String, Kind> saga : placed.entrySet()) {
            String sagaId = saga.getKey();
            Kind kind = saga.getValue();
            String status = status(sagaId);
            String trip = kind.isPackage() ? childOf(sagaId) : sagaId;
            if (kind.isPackage() && trip == null && !"COMPENSATED".equals(status)) {
                problems.add(kind + " " + sagaId + " has no sub-saga but ended " + status);
                continue;
            }
            Map<String, List<String>> effects = trip == null ? Map.of() : effects(trip);
            List<String> charges = kind.isPackage() ? statuses("SELECT status FROM payment.charge WHERE saga_id = ?", sagaId)
                    : List.of();
            if ("COMPLETED".equals(status)) {
                completed++;
                if (!kind.completes()) {
                    problems.add(kind + " " + sagaId + " completed although built to be refused");
                }
                if (!effects.equals(Map.of("car", List.of("RESERVED"), "hotel", List.of("BOOKED"),
                        "flight", List.of("BOOKED")))) {
                    problems.add(kind + " " + sagaId + " completed with bookings " + effects + " (trip " + trip + ")");
                }
                if (kind.isPackage() && !charges.equals(List.of("CHARGED"))) {
                    problems.add(kind + " " + sagaId + " completed with charges " + charges);
                }
                if (kind.isPackage() && !"COMPLETED".equals(status(trip))) {
                    problems.add(kind + " " + sagaId + " completed but its sub-saga " + trip + " is " + status(trip));
                }
            } else if ("COMPENSATED".equals(status)) {
                compensated++;
                if (kind.completes() && !timedOut(sagaId) && (trip == null || !timedOut(trip))) {
                    problems.add(kind + " " + sagaId + " compensated although built to complete, and no step timed out");
                }
                List<String> kept = new ArrayList<>();
                effects.forEach((participant, statuses) -> statuses.stream().filter(s -> !"CANCELLED".equals(s))
                        .forEach(s -> kept.add(participant + " " + s)));
                charges.stream().filter("CHARGED"::equals).forEach(s -> kept.add("payment " + s));
                if (!kept.isEmpty()) {
                    problems.add(kind + " " + sagaId + " compensated but keeps " + kept + " (trip " + trip + ")");
                }
                if (kind.isPackage() && trip != null && !"COMPENSATED".equals(status(trip))) {
                    problems.add(kind + " " + sagaId + " compensated but its sub-saga " + trip + " is " + status(trip));
                }
            } else {
                problems.add(kind + " " + sagaId + " did not end: " + status);
            }
        }
        System.out.printf("[faults] shapes of %s: %d sagas (trips and travel packages), %d completed, %d compensated, "
                + "%d problems%n", prefix, placed.size(), completed, compensated, problems.size());
        return problems;
    }

    private Map<String, List<String>> effects(String tripSagaId) throws SQLException {
        Map<String, List<String>> effects = new LinkedHashMap<>();
        effects.put("car", statuses("SELECT status FROM car.reservation WHERE saga_id = ?", tripSagaId));
        effects.put("hotel", statuses("SELECT status FROM hotel.booking WHERE saga_id = ?", tripSagaId));
        effects.put("flight", statuses("SELECT status FROM flight.booking WHERE saga_id = ?", tripSagaId));
        return effects;
    }

    private String status(String sagaId) throws SQLException {
        List<String> statuses = statuses("SELECT status FROM sagaflow.saga WHERE saga_id = ?", sagaId);
        return statuses.isEmpty() ? null : statuses.get(0);
    }

    private String childOf(String parentSagaId) throws SQLException {
        List<String> children = statuses("SELECT child_saga_id FROM sagaflow.sub_saga WHERE parent_saga_id = ? "
                + "AND child_saga_id IS NOT NULL", parentSagaId);
        return children.isEmpty() ? null : children.get(0);
    }

    private boolean timedOut(String sagaId) throws SQLException {
        return !statuses("SELECT status FROM sagaflow.saga_step WHERE saga_id = ? AND status = 'TIMED_OUT'", sagaId)
                .isEmpty();
    }

    private static List<String> statuses(String sql, String sagaId) throws SQLException {
        try (Connection db = FaultHarness.connect(); PreparedStatement query = db.prepareStatement(sql)) {
            query.setString(1, sagaId);
            List<String> values = new ArrayList<>();
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    values.add(rs.getString(1));
                }
            }
            return values;
        }
    }

    private static String adminAuth() {
        return "Basic " + Base64.getEncoder().encodeToString(
                (ServiceProcess.ADMIN_USER + ":" + ServiceProcess.ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
    }
}
