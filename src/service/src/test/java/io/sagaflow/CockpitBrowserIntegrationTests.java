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
import java.util.concurrent.atomic.AtomicReference;

import io.sagaflow.testing.ApiSupport.Saga;
import io.sagaflow.testing.ApiSupport.StartedSaga;
import org.camunda.bpm.engine.HistoryService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.WebElement;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.web.server.LocalServerPort;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.CockpitPage;
import io.sagaflow.testing.IntegrationTest;

/**
 * The operator's repair in Cockpit, in a real browser (Debian's headless Chromium): log in, find the
 * running order sagas of {@code order-fulfillment}, open the one stopped by a technical failure,
 * read the participant's error on its incident, press Retry, and see the saga complete.
 *
 * <p>Screenshots of every step go to {@code target/browser/} (plus {@code failure.png/.html} when a
 * step fails). {@code -Dsagaflow.docs.screenshots=true} also refreshes the documentation's
 * {@code docs/images/cockpit-incident.png}; by default the test leaves the source tree alone.
 *
 * <p>Without {@code /usr/bin/chromium} or {@code /usr/bin/chromedriver} (Debian packages
 * {@code chromium}, {@code chromium-driver}) the test is skipped, except in CI ({@code CI=true}),
 * where a missing browser fails it.
 */
@IntegrationTest
@DisplayName("Cockpit in a browser")
class CockpitBrowserIntegrationTests {

    private static final String PROCESS = "order-fulfillment";
    private static final String CHARGE = "Task_ChargePayment";
    private static final String ERROR_TEXT = "simulated technical failure";
    /** The delayed saga has to stay RUNNING while the browser looks at it; its step deadline is PT30S. */
    private static final Duration REPLY_DELAY = Duration.ofSeconds(20);

    private final ApiSupport api;
    private final HistoryService history;
    @Value("${sagaflow.admin.user}")
    private String adminUser;
    @Value("${sagaflow.admin.password}")
    private String adminPassword;
    @LocalServerPort
    private int port;

    private String sku;
    private final Path projectDir = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
    private CockpitPage cockpit;

    CockpitBrowserIntegrationTests(ApiSupport api, HistoryService history) {
        this.api = api;
        this.history = history;
    }

    @BeforeEach
    void setUp() {
        CockpitPage.requireBrowser();
        sku = api.freshSku(100);
        cockpit = CockpitPage.open("http://localhost:" + port, projectDir.resolve("target/browser"));
    }

    @AfterEach
    void closeBrowser() {
        if (cockpit != null) {
            cockpit.close();
        }
    }

    @Test
    @DisplayName("log in, see the running sagas, read the incident's error, press Retry, and the saga completes")
    void operatorRetriesAFailedStepInCockpit() throws Exception {
        StartedSaga failing = api.startSaga(PROCESS, order("payment.charge:technical-failure-once"));
        assertThat(api.awaitFinished(failing.sagaId()).status()).as("saga with a failing charge").isEqualTo("FAILED");
        String definitionId = history.createHistoricProcessInstanceQuery().processInstanceId(failing.sagaId())
                .singleResult().getProcessDefinitionId();

        try {
            assertThat(cockpit.logIn(adminUser, adminPassword)).as("signed-in user in Cockpit's header").isNotBlank();
            cockpit.screenshot("02-dashboard");

            // Started only now: its charge reply is held back REPLY_DELAY, so it is RUNNING while we look.
            StartedSaga delayed = api.startSaga(PROCESS, order("payment.charge:delay=PT" + REPLY_DELAY.toSeconds()
                    + "S"));

            cockpit.processesListLink(definitionId);
            cockpit.screenshot("03-processes");
            cockpit.openDefinitionFromList(definitionId);
            WebElement running = cockpit.awaitInstanceRow(delayed.sagaId());
            WebElement stopped = cockpit.awaitInstanceRow(failing.sagaId());
            assertThat(CockpitPage.showsIncident(running)).as("state of the delayed saga's row").isFalse();
            assertThat(CockpitPage.showsIncident(stopped)).as("state of the failed saga's row").isTrue();
            cockpit.screenshot("04-process-definition");

            cockpit.openInstanceFromList(failing.sagaId());
            cockpit.selectTab("Incidents");
            WebElement incident = cockpit.awaitIncident(ERROR_TEXT);
            assertThat(CockpitPage.message(incident)).as("incident message")
                    .contains(ERROR_TEXT, "payment.charge", "attempt 1");
            assertThat(incident.getText()).as("incident row").contains("Charge payment", "Failed Job");
            cockpit.showFullMessage(incident);
            Path incidentShot = cockpit.screenshot("05-incident");
            copyToDocsIfAsked(incidentShot);

            String result = cockpit.retry(incident, "06-retry-dialog", "07-retry-done");
            assertThat(result).as("Cockpit's retry dialog").contains("finished successfully");
            cockpit.awaitNoIncidents();
            cockpit.screenshot("08-incident-resolved");

            Saga completed = awaitStatus(failing.sagaId(), "COMPLETED", ApiSupport.SAGA_TIMEOUT);
            assertThat(completed.completedSteps()).containsExactly("Task_ReserveStock", CHARGE,
                    "Task_ScheduleShipment");
            assertThat(completed.compensatedSteps()).isEmpty();

            cockpit.openInstance(failing.sagaId());
            assertThat(cockpit.awaitNotification("has been completed")).contains(failing.sagaId());
            cockpit.awaitUrlContains("#/process-definition/" + definitionId);
            assertThat(cockpit.listsInstance(failing.sagaId())).as("completed saga still listed as running")
                    .isFalse();
            cockpit.screenshot("09-completed");

            assertThat(awaitStatus(delayed.sagaId(), "COMPLETED", REPLY_DELAY.plus(ApiSupport.SAGA_TIMEOUT))
                    .completedSteps()).as("the delayed saga's steps").hasSize(3);
        } catch (Throwable e) {
            cockpit.saveFailure();
            throw e;
        }
    }

    /** Variables of a 1-unit order of this test's SKU, with a fresh order id and the simulations asked for. */
    private Map<String, Object> order(String... simulate) {
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("orderId", ApiSupport.fresh("order"));
        variables.put("customerId", ApiSupport.fresh("customer"));
        variables.put("sku", sku);
        variables.put("quantity", 1);
        variables.put("amount", 12.5);
        variables.put("country", "DE");
        variables.put("simulate", List.of(simulate));
        return variables;
    }

    private Saga awaitStatus(String sagaId, String status, Duration timeout) {
        AtomicReference<Saga> last = new AtomicReference<>();
        await("saga " + sagaId + " " + status).atMost(timeout).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    last.set(api.saga(sagaId));
                    assertThat(last.get().status()).as("status of saga %s", sagaId).isEqualTo(status);
                });
        return last.get();
    }

    /** Refreshes the documentation's screenshot only when asked: a test run leaves the source tree alone. */
    private void copyToDocsIfAsked(Path screenshot) throws IOException {
        if (!Boolean.getBoolean("sagaflow.docs.screenshots")) {
            return;
        }
        Path images = projectDir.resolve("docs/images");
        Files.createDirectories(images);
        Files.copy(screenshot, images.resolve("cockpit-incident.png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
