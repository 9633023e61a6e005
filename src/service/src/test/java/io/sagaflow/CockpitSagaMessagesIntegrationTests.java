package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.sagaflow.testing.ApiSupport.StartedSaga;
import io.sagaflow.contract.Topology;
import io.sagaflow.messaging.InboundMessage;
import io.sagaflow.messaging.ParkedMessages;
import io.sagaflow.outbox.OutboxProperties;
import io.sagaflow.security.Scopes;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.identity.User;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.TopicExchange;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.CockpitPage;
import io.sagaflow.testing.IntegrationTest;

/**
 * Repairing messages where operators already are: Cockpit's "Saga messages" tab (Sagaflow's Cockpit
 * plugin) in a real Chromium, against the real relay and broker. A FAILED command is requeued once
 * its route exists, a parked reply is replayed, a waiting saga is aborted; each saga then ends as it
 * must. Screenshots go to target/browser (and docs/images with {@code -Dsagaflow.docs.screenshots=true}).
 */
@IntegrationTest
@DisplayName("Cockpit: the Saga messages tab")
class CockpitSagaMessagesIntegrationTests {

    private static final String TRIP = "trip-booking";
    private static final String ORDER = "order-fulfillment";
    private static final String CAR_QUEUE = Topology.participantQueue("car");
    private static final String CAR_RESERVE = "car.reserve";

    private final ApiSupport api;
    private final JdbcTemplate jdbc;
    private final AmqpAdmin amqpAdmin;
    private final RabbitTemplate rabbit;
    private final OutboxProperties outbox;
    private final ParkedMessages parkedMessages;
    private final IdentityService identities;
    private final org.camunda.bpm.engine.RepositoryService repository;
    private final SimpleMessageListenerContainer replyListener;
    @Value("${sagaflow.admin.user}")
    private String adminUser;
    @Value("${sagaflow.admin.password}")
    private String adminPassword;
    @LocalServerPort
    private int port;

    private final Path projectDir = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
    private CockpitPage cockpit;

    CockpitSagaMessagesIntegrationTests(ApiSupport api, JdbcTemplate jdbc, AmqpAdmin amqpAdmin, RabbitTemplate rabbit,
                                        OutboxProperties outbox, ParkedMessages parkedMessages,
                                        IdentityService identities,
                                        org.camunda.bpm.engine.RepositoryService repository,
                                        @Qualifier("replyListener") SimpleMessageListenerContainer replyListener) {
        this.api = api;
        this.jdbc = jdbc;
        this.amqpAdmin = amqpAdmin;
        this.rabbit = rabbit;
        this.outbox = outbox;
        this.parkedMessages = parkedMessages;
        this.identities = identities;
        this.repository = repository;
        this.replyListener = replyListener;
    }

    @BeforeEach
    void setUp() {
        CockpitPage.requireBrowser();
        cockpit = CockpitPage.open("http://localhost:" + port, projectDir.resolve("target/browser/saga-messages"));
    }

    @AfterEach
    void tearDown() {
        amqpAdmin.declareBinding(carReserveRoute()); // whatever a test did, the route exists afterwards
        if (!replyListener.isRunning()) {
            replyListener.start();
        }
        if (cockpit != null) {
            cockpit.close();
        }
    }

    @Test
    @DisplayName("an unroutable command FAILED: the tab shows it with its error; with the route back, Requeue completes the saga")
    void requeueAFailedCommand() throws Exception {
        amqpAdmin.removeBinding(carReserveRoute());
        StartedSaga trip = api.startSaga(TRIP, trip());
        String commandId = await("the car command sent and refused").atMost(ApiSupport.SAGA_TIMEOUT)
                .until(() -> jdbc.queryForList("""
                        SELECT o.message_id FROM sagaflow.outbox_message o
                        JOIN sagaflow.saga_step s ON s.command_id = o.message_id
                        WHERE s.saga_id = ? AND s.command = ? AND o.attempts >= 1 AND o.last_error IS NOT NULL""",
                        String.class, trip.sagaId(), CAR_RESERVE), rows -> rows.size() == 1).get(0);
        // The relay's backoff would take minutes to reach its last attempt: skip the waits, not the attempt.
        jdbc.update("UPDATE sagaflow.outbox_message SET attempts = ?, next_attempt_at = CURRENT_TIMESTAMP "
                + "WHERE message_id = ?", outbox.maxAttempts() - 1, commandId);
        await("the relay gives the command up as FAILED").atMost(ApiSupport.SAGA_TIMEOUT).until(() -> "FAILED".equals(
                jdbc.queryForObject("SELECT status FROM sagaflow.outbox_message WHERE message_id = ?", String.class,
                        commandId)));

        String operator = "operator-" + java.util.UUID.randomUUID();
        String password = "operator-secret-" + java.util.UUID.randomUUID();
        createPerson(operator, password, Scopes.OPERATOR_GROUP);
        try {
            cockpit.logIn(operator, password); // an operator who is no Camunda administrator
            WebElement overview = cockpit.openDashboardSection();
            toDocs(cockpit.screenshot("dashboard"), "cockpit-saga-dashboard.png");
            assertThat(overview.findElement(By.cssSelector("tr[data-count='FAILED outbox rows'] .saga-count"))
                    .getText()).isNotEqualTo("0");
            assertThat(overview.findElements(By.cssSelector("a[href='#/process-instance/" + trip.sagaId()
                    + "/runtime']"))).as("link to the saga with the FAILED row: %s", overview.getText()).isNotEmpty();
            // Running sagas per definition version: this trip is one of them.
            assertThat(Integer.parseInt(overview.findElement(By.cssSelector("tr[data-version^='" + TRIP + ":'] .saga-count"))
                    .getText())).isPositive();

            cockpit.openInstance(trip.sagaId());
            cockpit.selectTab("Saga messages");
            WebElement failed = cockpit.awaitOutboxRow(commandId, "FAILED");
            assertThat(cockpit.sagaVersion()).matches("Version: \\d+");
            assertThat(failed.findElement(By.cssSelector(".saga-last-error")).getText())
                    .containsAnyOf("unroutable", "nacked");
            assertThat(failed.getText()).contains(CAR_RESERVE);
            toDocs(cockpit.screenshot("failed-command"), "cockpit-saga-messages.png");
            JsonNode overRest = api.readJson(api.rest().getForObject("/api/sagas/{id}/messages", String.class,
                    trip.sagaId()));
            assertThat(overRest.path("outbox").findValuesAsText("status")).contains("FAILED");
            assertThat(overRest.path("steps").findValuesAsText("command")).containsExactly(CAR_RESERVE);

            amqpAdmin.declareBinding(carReserveRoute()); // the operator creates the missing route
            String notice = cockpit.repair(failed.findElement(By.cssSelector(".saga-requeue")), null, "requeue-confirm");
            assertThat(notice).contains("Done", "Requeue");

            assertThat(awaitStatus(trip.sagaId(), "COMPLETED")).isEqualTo("COMPLETED");
            assertThat(cockpit.awaitOutboxRow(commandId, "SENT").getText()).contains(CAR_RESERVE);
            assertThat(jdbc.queryForList("SELECT actor || ' ' || actor_kind || ' ' || via || ' ' || action || ' ' "
                    + "|| target || ' ' || outcome FROM sagaflow.audit_record WHERE saga_id = ?", String.class,
                    trip.sagaId())).as("the repair's audit record")
                    .containsExactly(operator + " USER COCKPIT outbox.requeue " + commandId + " DONE");
        } catch (Throwable e) {
            cockpit.saveFailure();
            throw e;
        } finally {
            identities.deleteUser(operator);
        }
    }

    @Test
    @DisplayName("a parked reply is listed with its reason; Replay hands it to the orchestrator and the saga completes")
    void replayAParkedReply() throws Exception {
        // The orchestrator's reply consumer is stopped, so the first reply waits in its queue; the test
        // parks it as the consumer parks a reply whose retries are exhausted.
        replyListener.stop();
        StartedSaga order = api.startSaga(ORDER, order());
        Message reply = await("the saga's first reply waiting").atMost(ApiSupport.SAGA_TIMEOUT).until(
                () -> ApiSupport.takeReplyOf(rabbit, order.sagaId()), received -> received != null);
        reply.getMessageProperties().setConsumerQueue(Topology.ORCHESTRATOR_REPLIES_QUEUE);
        parkedMessages.park("orchestrator", InboundMessage.of(reply),
                "retries exhausted: database unavailable (simulated by the test)");
        replyListener.start();

        try {
            cockpit.logIn(adminUser, adminPassword);
            cockpit.openInstance(order.sagaId());
            cockpit.selectTab("Saga messages");
            WebElement parked = cockpit.awaitParkedRow("retries exhausted");
            toDocs(cockpit.screenshot("parked-reply"), "cockpit-saga-parked.png");

            String notice = cockpit.repair(parked.findElement(By.cssSelector(".saga-replay")), null, "replay-confirm");
            assertThat(notice).contains("Done", "Replay");

            assertThat(awaitStatus(order.sagaId(), "COMPLETED")).isEqualTo("COMPLETED");
            assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM sagaflow.parked_message WHERE headers LIKE ?",
                    Long.class, "%" + order.sagaId() + "%")).as("parked messages left").isZero();
        } catch (Throwable e) {
            cockpit.saveFailure();
            throw e;
        }
    }

    @Test
    @DisplayName("Abort with a reason from the tab compensates a waiting saga")
    void abortFromTheTab() throws Exception {
        Map<String, Object> variables = order();
        variables.put("simulate", List.of("payment.charge:delay=PT20S"));
        StartedSaga order = api.startSaga(ORDER, variables);
        await("the charge waiting for its reply").atMost(ApiSupport.SAGA_TIMEOUT).until(() -> jdbc.queryForObject(
                "SELECT COUNT(*) FROM sagaflow.saga_step WHERE saga_id = ? AND command = 'payment.charge' "
                        + "AND status = 'WAITING'", Long.class, order.sagaId()) == 1);

        try {
            cockpit.logIn(adminUser, adminPassword);
            cockpit.openInstance(order.sagaId());
            cockpit.selectTab("Saga messages");
            cockpit.awaitSagaMessagesTab();
            String notice = cockpit.repair(cockpit.find(By.cssSelector(".saga-messages .saga-abort")),
                    "customer cancelled in Cockpit", "abort-confirm");
            assertThat(notice).contains("Done");

            assertThat(awaitStatus(order.sagaId(), "COMPENSATED")).isEqualTo("COMPENSATED");
            assertThat(jdbc.queryForObject("SELECT reason FROM sagaflow.saga WHERE saga_id = ?", String.class,
                    order.sagaId())).contains("customer cancelled in Cockpit", adminUser);
            assertThat(jdbc.queryForList("SELECT actor || ' ' || via || ' ' || action || ' ' || reason || ' ' || outcome "
                    + "FROM sagaflow.audit_record WHERE saga_id = ?", String.class, order.sagaId()))
                    .containsExactly(adminUser + " COCKPIT saga.abort customer cancelled in Cockpit DONE");
            WebElement repair = cockpit.find(By.cssSelector(".saga-messages tr[data-audit-seq]"));
            assertThat(repair.getText()).as("the tab's audit trail").contains(adminUser, "saga.abort", "DONE");
        } catch (Throwable e) {
            cockpit.saveFailure();
            throw e;
        }
    }

    @Test
    @DisplayName("a member of saga-viewer sees the tab read-only, and the plugin refuses (and audits) its repairs with 403")
    void nonOperatorSeesTheTabReadOnly() throws Exception {
        Map<String, Object> variables = order();
        variables.put("simulate", List.of("payment.charge:delay=PT20S"));
        StartedSaga order = api.startSaga(ORDER, variables);
        String viewer = "viewer-" + java.util.UUID.randomUUID();
        String password = "viewer-secret-" + java.util.UUID.randomUUID();
        createPerson(viewer, password, Scopes.VIEWER_GROUP);

        try {
            cockpit.logIn(viewer, password);
            cockpit.openInstance(order.sagaId());
            cockpit.selectTab("Saga messages");
            cockpit.find(By.cssSelector(".saga-messages .saga-read-only"));
            assertThat(cockpit.findAll(By.cssSelector(".saga-messages .saga-abort, .saga-messages .saga-requeue, "
                    + ".saga-messages .saga-replay"))).as("repair buttons").isEmpty();
            toDocs(cockpit.screenshot("read-only"), "cockpit-saga-read-only.png");

            long status = cockpit.postFromPage("/camunda/api/cockpit/plugin/saga-messages/default/process-instance/"
                    + order.sagaId() + "/abort", "{\"reason\":\"not mine to abort\"}");
            assertThat(status).as("a viewer's abort through the plugin").isEqualTo(403);
            assertThat(api.saga(order.sagaId()).status()).isEqualTo("RUNNING");
            assertThat(jdbc.queryForList("SELECT actor || ' ' || via || ' ' || action || ' ' || outcome "
                    + "FROM sagaflow.audit_record WHERE saga_id = ?", String.class, order.sagaId()))
                    .containsExactly(viewer + " COCKPIT saga.abort REFUSED");
        } catch (Throwable e) {
            cockpit.saveFailure();
            throw e;
        } finally {
            identities.deleteUser(viewer);
        }
    }

    // --- helpers --------------------------------------------------------------------------

    @Test
    @DisplayName("an operator migrates a waiting saga to the latest version from the dashboard (dry run, then run); a viewer sees no Migrate button")
    void migrateFromTheDashboard() throws Exception {
        String processKey = "cockpit-migrating-trip-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        deployTrip(processKey, "PT2M");
        // The car's reply is held long enough for two people to log in and look (a minute).
        StartedSaga trip = api.startSaga(processKey, ApiSupport.trip("LIS", "car.reserve:delay=PT60S"));
        await("the car step waits").atMost(ApiSupport.SAGA_TIMEOUT).until(() -> jdbc.queryForObject(
                "SELECT COUNT(*) FROM sagaflow.saga_step WHERE saga_id = ? AND status = 'WAITING'", Long.class,
                trip.sagaId()) == 1);
        deployTrip(processKey, "PT3M");
        By oldVersionRow = By.cssSelector("tr[data-version='" + processKey + ":1']");

        String viewer = "viewer-" + java.util.UUID.randomUUID();
        String viewerPassword = "viewer-secret-" + java.util.UUID.randomUUID();
        createPerson(viewer, viewerPassword, Scopes.VIEWER_GROUP);
        CockpitPage viewerPage = CockpitPage.open("http://localhost:" + port, projectDir.resolve("target/browser/viewer"));
        try {
            viewerPage.logIn(viewer, viewerPassword);
            WebElement row = viewerPage.openDashboardSection().findElement(oldVersionRow);
            assertThat(row.getText()).contains(processKey);
            assertThat(row.findElements(By.cssSelector(".saga-migrate"))).as("Migrate… for a viewer").isEmpty();
        } finally {
            viewerPage.close();
        }

        String operator = "operator-" + java.util.UUID.randomUUID();
        String password = "operator-secret-" + java.util.UUID.randomUUID();
        createPerson(operator, password, Scopes.OPERATOR_GROUP);
        cockpit.logIn(operator, password);
        WebElement overview = cockpit.openDashboardSection();
        overview.findElement(oldVersionRow).findElement(By.cssSelector(".saga-migrate")).click();
        WebElement verdict = cockpit.await(By.cssSelector(".saga-migration-verdict"));
        assertThat(verdict.getText()).as("the dry run: %s", cockpit.await(By.cssSelector(".saga-migration-result")).getText())
                .contains("1 of 1 sagas can move from version 1 to 2");
        cockpit.scrollTo(verdict);
        toDocs(cockpit.screenshot("migration-dry-run"), "cockpit-saga-migration.png");
        assertThat(api.saga(trip.sagaId()).status()).isEqualTo("RUNNING");
        cockpit.await(By.cssSelector(".saga-migration-run")).click();
        WebElement done = cockpit.await(By.cssSelector(".saga-migration-progress[data-status='DONE']"));
        assertThat(done.getText()).contains("MIGRATED 1", "LEFT_ALONE 0", "FAILED 0");
        cockpit.screenshot("migration-done");

        assertThat(api.rest().getForObject("/api/sagas/{id}", com.fasterxml.jackson.databind.JsonNode.class,
                trip.sagaId()).path("processDefinitionVersion").asInt()).isEqualTo(2);
        assertThat(awaitStatus(trip.sagaId(), "COMPLETED")).isEqualTo("COMPLETED");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM sagaflow.audit_record WHERE action = 'saga.migrate' "
                + "AND saga_id = ? AND actor = ? AND via = 'COCKPIT' AND outcome = 'DONE'", Long.class, trip.sagaId(),
                operator)).isEqualTo(1);
    }

    @Test
    @DisplayName("an operator pauses the car participant from the dashboard: a trip's car command is held and counted; Resume sends it and the trip completes; a viewer sees no buttons; both audited")
    void pauseAndResumeFromTheDashboard() throws Exception {
        String viewer = "viewer-" + java.util.UUID.randomUUID();
        String viewerPassword = "viewer-secret-" + java.util.UUID.randomUUID();
        String operator = "operator-" + java.util.UUID.randomUUID();
        String password = "operator-secret-" + java.util.UUID.randomUUID();
        createPerson(operator, password, Scopes.OPERATOR_GROUP);
        try {
            cockpit.logIn(operator, password);
            cockpit.openDashboardSection();
            cockpit.find(By.cssSelector(".saga-pause-prefix")).sendKeys("car.");
            cockpit.find(By.cssSelector(".saga-pause")).click();
            cockpit.find(By.cssSelector(".saga-pause-reason")).sendKeys("car rental redeploy");
            cockpit.find(By.cssSelector(".saga-pause-yes")).click();
            assertThat(cockpit.await(By.cssSelector(".saga-pause-notice")).getText()).contains("Done: Pause car.*");

            StartedSaga trip = api.startSaga(TRIP, trip());
            await("the trip's car command held in the outbox").atMost(ApiSupport.SAGA_TIMEOUT).until(() ->
                    jdbc.queryForObject("""
                            SELECT COUNT(*) FROM sagaflow.outbox_message o
                            JOIN sagaflow.saga_step s ON s.command_id = o.message_id
                            WHERE s.saga_id = ? AND s.command = ? AND o.status = 'PENDING'""", Long.class,
                            trip.sagaId(), CAR_RESERVE) == 1);
            WebElement paused = cockpit.openDashboardSection().findElement(By.cssSelector("tr[data-pause='car.']"));
            assertThat(paused.getText()).contains("car.*", operator, "car rental redeploy");
            assertThat(Long.parseLong(paused.findElement(By.cssSelector(".saga-held")).getText()))
                    .as("held commands").isGreaterThanOrEqualTo(1);
            cockpit.scrollTo(paused);
            toDocs(cockpit.screenshot("participant-paused"), "cockpit-participant-paused.png");
            assertThat(api.saga(trip.sagaId()).status()).isEqualTo("RUNNING");

            createPerson(viewer, viewerPassword, Scopes.VIEWER_GROUP);
            CockpitPage viewerPage = CockpitPage.open("http://localhost:" + port,
                    projectDir.resolve("target/browser/viewer-pause"));
            try {
                viewerPage.logIn(viewer, viewerPassword);
                WebElement section = viewerPage.openDashboardSection();
                assertThat(section.findElement(By.cssSelector("tr[data-pause='car.']")).getText()).contains("car.*");
                assertThat(section.findElements(By.cssSelector(".saga-resume, .saga-pause, .saga-bulk")))
                        .as("pause, resume and bulk repair for a viewer").isEmpty();
                assertThat(viewerPage.postFromPage(pluginPath("participants/pauses/resume"),
                        "{\"commandPrefix\":\"car.\"}")).as("a viewer's resume through the plugin").isEqualTo(403);
            } finally {
                viewerPage.close();
                identities.deleteUser(viewer);
            }

            cockpit.find(By.cssSelector("tr[data-pause='car.'] .saga-resume")).click();
            cockpit.find(By.cssSelector(".saga-pause-reason")).sendKeys("car rental is back");
            cockpit.find(By.cssSelector(".saga-pause-yes")).click();
            assertThat(cockpit.await(By.cssSelector(".saga-pause-notice")).getText()).contains("Done: Resume car.*");
            assertThat(cockpit.findAll(By.cssSelector("tr[data-pause='car.']"))).isEmpty();
            assertThat(awaitStatus(trip.sagaId(), "COMPLETED")).isEqualTo("COMPLETED");
            assertThat(jdbc.queryForList("SELECT actor || ' ' || via || ' ' || action || ' ' || outcome"
                    + " FROM sagaflow.audit_record WHERE target = 'commands car.*' AND actor IN (?, ?) ORDER BY seq",
                    String.class, operator, viewer)).containsExactly(operator + " COCKPIT participant.pause DONE",
                    viewer + " COCKPIT participant.resume REFUSED", operator + " COCKPIT participant.resume DONE");
        } finally {
            jdbc.update("DELETE FROM sagaflow.outbox_hold WHERE routing_key_prefix = 'car.'");
            identities.deleteUser(operator);
        }
    }

    @Test
    @DisplayName("an operator retries the incidents of three orders from the dashboard's bulk repair: the preview counts 3, the run ends DONE 3, the orders complete, audited via COCKPIT")
    void bulkRetryFromTheDashboard() throws Exception {
        String processKey = io.sagaflow.testing.ProcessCopies.deploy(repository, ORDER, "cockpit-bulk-order-", Map.of());
        Binding chargeRoute = BindingBuilder.bind(new Queue(Topology.participantQueue("payment")))
                .to(new TopicExchange(Topology.COMMANDS_EXCHANGE)).with("payment.charge");
        java.util.List<String> sagaIds = new java.util.ArrayList<>();
        amqpAdmin.removeBinding(chargeRoute); // the payment route is lost: each charge ends in an incident
        try {
            for (int i = 0; i < 3; i++) {
                sagaIds.add(api.startSaga(processKey, order()).sagaId());
            }
            await("three incidents").atMost(ApiSupport.SAGA_TIMEOUT).until(() ->
                    sagaIds.stream().allMatch(id -> "FAILED".equals(api.saga(id).status())));
        } finally {
            amqpAdmin.declareBinding(chargeRoute);
        }

        String operator = "operator-" + java.util.UUID.randomUUID();
        String password = "operator-secret-" + java.util.UUID.randomUUID();
        createPerson(operator, password, Scopes.OPERATOR_GROUP);
        try {
            cockpit.logIn(operator, password);
            cockpit.openDashboardSection();
            cockpit.find(By.cssSelector(".saga-bulk-process-key")).sendKeys(processKey);
            cockpit.find(By.cssSelector(".saga-bulk-reason")).sendKeys("payment route restored");
            cockpit.find(By.cssSelector(".saga-bulk-preview-button")).click();
            WebElement preview = cockpit.await(By.cssSelector(".saga-bulk-preview"));
            assertThat(preview.getAttribute("data-count")).isEqualTo("3");
            cockpit.scrollTo(preview);
            toDocs(cockpit.screenshot("bulk-repair-preview"), "cockpit-bulk-repair.png");
            cockpit.find(By.cssSelector(".saga-bulk-run")).click();
            WebElement done = cockpit.await(By.cssSelector(".saga-bulk-progress[data-status='DONE']"));
            assertThat(done.getText()).contains("DONE 3", "FAILED 0");
            for (String sagaId : sagaIds) {
                assertThat(awaitStatus(sagaId, "COMPLETED")).isEqualTo("COMPLETED");
            }
            assertThat(jdbc.queryForList("SELECT action || ' ' || via || ' ' || outcome FROM sagaflow.audit_record"
                    + " WHERE actor = ? ORDER BY seq", String.class, operator)).contains("bulk.incident.retry COCKPIT DONE")
                    .filteredOn(line -> line.startsWith("incident.retry ")).hasSize(3);
        } finally {
            identities.deleteUser(operator);
        }
    }

    private String pluginPath(String path) {
        return "/camunda/api/cockpit/plugin/saga-messages/default/" + path;
    }

    private void deployTrip(String processKey, String deadline) throws IOException {
        org.camunda.bpm.model.bpmn.BpmnModelInstance model;
        try (java.io.InputStream in = new org.springframework.core.io.ClassPathResource("processes/trip-booking.bpmn")
                .getInputStream()) {
            model = org.camunda.bpm.model.bpmn.Bpmn.readModelFromStream(in);
        }
        model.getModelElementsByType(org.camunda.bpm.model.bpmn.instance.Process.class).iterator().next().setId(processKey);
        model.getModelElementsByType(org.camunda.bpm.model.bpmn.instance.camunda.CamundaInputParameter.class).stream()
                .filter(input -> "deadline".equals(input.getCamundaName()))
                .forEach(input -> input.setTextContent(deadline));
        repository.createDeployment().name(processKey).addModelInstance(processKey + ".bpmn", model).deploy();
    }

    /**
     * A person as the admin adds one (docs/operations.md): a Camunda user in one of Sagaflow's groups,
     * with no authorization of their own: the group's, created at start-up, are all they have.
     */
    private void createPerson(String id, String password, String group) {
        User user = identities.newUser(id);
        user.setFirstName("Saga");
        user.setLastName(group);
        user.setPassword(password);
        identities.saveUser(user);
        identities.createMembership(id, group);
    }

    private static Binding carReserveRoute() {
        return BindingBuilder.bind(new Queue(CAR_QUEUE)).to(new TopicExchange(Topology.COMMANDS_EXCHANGE))
                .with(CAR_RESERVE);
    }

    private String awaitStatus(String sagaId, String status) {
        await("saga " + sagaId + " " + status).atMost(ApiSupport.SAGA_TIMEOUT.multipliedBy(2))
                .pollInterval(Duration.ofMillis(200)).until(() -> status.equals(api.saga(sagaId).status()));
        return api.saga(sagaId).status();
    }

    private Map<String, Object> trip() {
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("tripId", ApiSupport.fresh("trip"));
        variables.put("customerId", ApiSupport.fresh("traveller"));
        variables.put("city", "Lisbon");
        variables.put("days", 4);
        variables.put("nights", 3);
        variables.put("from", "BER");
        variables.put("to", "LIS");
        return variables;
    }

    private Map<String, Object> order() {
        return ApiSupport.orderVariables(api.freshSku(100), "9.00", "DE");
    }

    private void toDocs(Path screenshot, String name) throws IOException {
        if (Boolean.getBoolean("sagaflow.docs.screenshots")) {
            Path images = projectDir.resolve("docs/images");
            Files.createDirectories(images);
            Files.copy(screenshot, images.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
