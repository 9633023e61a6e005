package io.sagaflow.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.util.FileSystemUtils;

/**
 * Camunda Cockpit (7.24, AngularJS) in Debian's headless Chromium, driven through Debian's chromedriver.
 * Nothing is ever downloaded: the driver and the browser binary are given explicitly, so Selenium
 * Manager is never asked for either.
 *
 * <p>Selectors are Cockpit's own template attributes ({@code ng-model}, {@code ng-repeat},
 * {@code ng-click}), the cell classes of its tables, and {@code cam-widget-loader}'s
 * {@code loading-state} (LOADING, LOADED, EMPTY, ERROR) to know that a table has finished loading.
 * Every step waits explicitly for what it needs; nothing sleeps.
 */
public final class CockpitPage implements AutoCloseable {

    public static final String CHROMIUM = "/usr/bin/chromium";
    public static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static final By LOGIN_USERNAME = By.cssSelector("form[name='signinForm'] input[ng-model='username']");
    private static final By LOGIN_PASSWORD = By.cssSelector("form[name='signinForm'] input[ng-model='password']");
    private static final By LOGIN_SUBMIT = By.cssSelector("form[name='signinForm'] button[type='submit']");
    private static final By SIGNED_IN_USER = By.cssSelector("[cam-widget-header] li.account");
    private static final By INSTANCE_ROWS = By.cssSelector("tr[ng-repeat='processInstance in processInstances']");
    private static final By INSTANCE_LIST_LOADER =
            By.cssSelector("[cam-widget-loader][text-empty^='No process instances']");
    private static final By INCIDENT_ROWS = By.cssSelector("incidents-tab tr[ng-repeat='incident in incidents']");
    private static final By INCIDENT_LIST_LOADER = By.cssSelector("incidents-tab [cam-widget-loader]");
    private static final By INCIDENT_MESSAGE = By.cssSelector("td.message a.auto-cutoff");
    private static final By INCIDENT_RETRY = By.cssSelector("a[ng-click='openJobRetryDialog(incident)']");
    private static final By RETRY_DIALOG = By.cssSelector(".modal-dialog");
    private static final By RETRY_CONFIRM = By.cssSelector(".modal-dialog button[ng-click='incrementRetry()']");
    private static final By RETRY_DIALOG_OK =
            By.cssSelector(".modal-dialog button.btn-primary[ng-click='close(status)']");
    private static final By NOTIFICATIONS = By.cssSelector("[notifications-panel] .alert");

    private final String baseUrl;
    private final Path screenshots;
    private final Path profile;
    private final ChromeDriver driver;
    private final WebDriverWait wait;

    public static boolean browserInstalled() {
        return Files.isExecutable(Path.of(CHROMIUM)) && Files.isExecutable(Path.of(CHROMEDRIVER));
    }

    /**
     * Skips the calling test without a browser, or fails it on CI, where the browser must be there.
     * Per test, not per class: a class-level skip would not show up in the test report at all.
     */
    public static void requireBrowser() {
        if (!browserInstalled()) {
            String missing = CHROMIUM + " or " + CHROMEDRIVER + " is missing (Debian packages chromium, chromium-driver)";
            if ("true".equals(System.getenv("CI"))) {
                org.junit.jupiter.api.Assertions.fail(missing + ": CI=true, so the browser test must run");
            }
            org.junit.jupiter.api.Assumptions.assumeTrue(false, missing + ": browser test skipped");
        }
    }

    /** A fresh browser (own profile directory) on Cockpit of the default engine at {@code serverUrl}. */
    public static CockpitPage open(String serverUrl, Path screenshots) {
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
        Path profile;
        try {
            Files.createDirectories(screenshots);
            profile = Files.createTempDirectory("sagaflow-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1600,1000", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort()
                .build();
        ChromeDriver driver;
        try {
            driver = new ChromeDriver(service, options);
        } catch (RuntimeException e) {
            FileSystemUtils.deleteRecursively(profile.toFile());
            throw e;
        }
        return new CockpitPage(serverUrl + "/camunda/app/cockpit/default/", screenshots, profile, driver);
    }

    private CockpitPage(String baseUrl, Path screenshots, Path profile, ChromeDriver driver) {
        this.baseUrl = baseUrl;
        this.screenshots = screenshots;
        this.profile = profile;
        this.driver = driver;
        this.driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
        this.wait = new WebDriverWait(driver, TIMEOUT);
        this.wait.ignoring(StaleElementReferenceException.class); // AngularJS re-renders rows while loading
    }

    // --- login -----------------------------------------------------------------------------

    /** Opens Cockpit, which asks for a login, and signs in; returns the name shown for the signed-in user. */
    public String logIn(String user, String password) {
        driver.get(baseUrl);
        wait.until(ExpectedConditions.visibilityOfElementLocated(LOGIN_PASSWORD));
        screenshot("01-login");
        driver.findElement(LOGIN_USERNAME).sendKeys(user);
        driver.findElement(LOGIN_PASSWORD).sendKeys(password);
        driver.findElement(LOGIN_SUBMIT).click();
        WebElement account = wait.until(ExpectedConditions.visibilityOfElementLocated(SIGNED_IN_USER));
        wait.until(ExpectedConditions.urlContains("#/dashboard"));
        return account.getText().trim();
    }

    // --- process definitions -------------------------------------------------------------------

    /** Opens the list of process definitions and returns the link to the one with this id. */
    public WebElement processesListLink(String processDefinitionId) {
        driver.get(baseUrl + "#/processes");
        return wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector(
                "tr[ng-repeat='pd in processDefinitionData'] td.key a[href='#/process-definition/"
                        + processDefinitionId + "']")));
    }

    public void openDefinitionFromList(String processDefinitionId) {
        processesListLink(processDefinitionId).click();
        wait.until(ExpectedConditions.urlContains("#/process-definition/" + processDefinitionId));
        awaitInstanceList();
    }

    /** The running instances listed in the definition's "Process Instances" tab, once it has loaded. */
    public List<WebElement> awaitInstanceList() {
        wait.until(loaded(INSTANCE_LIST_LOADER));
        return driver.findElements(INSTANCE_ROWS);
    }

    /** Waits until the definition's instance list shows this instance and returns its row. */
    public WebElement awaitInstanceRow(String processInstanceId) {
        return wait.until(ExpectedConditions.visibilityOfElementLocated(instanceRow(processInstanceId)));
    }

    public boolean listsInstance(String processInstanceId) {
        awaitInstanceList();
        return !driver.findElements(instanceRow(processInstanceId)).isEmpty();
    }

    private static By instanceRow(String processInstanceId) {
        return By.xpath("//tr[@ng-repeat='processInstance in processInstances']"
                + "[.//td[contains(@class,'instance-id')]//a[@title='" + processInstanceId + "']]");
    }

    /** Whether the row's state circle is red: the instance has an open incident. */
    public static boolean showsIncident(WebElement instanceRow) {
        return instanceRow.findElement(By.cssSelector("td.state [state-circle]")).getAttribute("class")
                .contains("circle-red");
    }

    // --- one process instance ------------------------------------------------------------------

    public void openInstanceFromList(String processInstanceId) {
        awaitInstanceRow(processInstanceId).findElement(By.cssSelector("td.instance-id a[title='"
                + processInstanceId + "']")).click();
        wait.until(ExpectedConditions.urlContains("#/process-instance/" + processInstanceId));
    }

    /**
     * Loads the instance's page afresh (a mere change of the URL's fragment on the same instance
     * would keep Cockpit's view with the data it has already loaded).
     */
    public void openInstance(String processInstanceId) {
        driver.get("about:blank");
        driver.get(baseUrl + "#/process-instance/" + processInstanceId + "/runtime");
    }

    /** Clicks a tab of the bottom pane ("Incidents", "Variables", ...) and waits until it is the active one. */
    public void selectTab(String title) {
        By tab = By.xpath("//div[@cam-tabs]/ul[contains(@class,'nav-tabs')]/li[a[normalize-space()='" + title
                + "']]");
        wait.until(ExpectedConditions.elementToBeClickable(tab)).findElement(By.tagName("a")).click();
        wait.until(ExpectedConditions.attributeContains(tab, "class", "active"));
        ((JavascriptExecutor) driver).executeScript("document.activeElement.blur();"); // no focus ring in screenshots
    }

    /** Waits until the Incidents tab lists an incident whose message contains {@code text}; returns its row. */
    public WebElement awaitIncident(String text) {
        return wait.until(driver -> driver.findElements(INCIDENT_ROWS).stream()
                .filter(row -> message(row).contains(text)).findFirst().orElse(null));
    }

    public static String message(WebElement incidentRow) {
        return incidentRow.findElement(INCIDENT_MESSAGE).getText().trim();
    }

    /**
     * Hovers the incident's message, which Cockpit then shows in full instead of cut off; only for a
     * readable screenshot, so a message that stays cut off is no failure.
     */
    public void showFullMessage(WebElement incidentRow) {
        WebElement message = incidentRow.findElement(INCIDENT_MESSAGE);
        new Actions(driver).moveToElement(incidentRow.findElement(By.cssSelector("td.message"))).perform();
        try {
            new WebDriverWait(driver, Duration.ofSeconds(5)).until(driver -> (Boolean) ((JavascriptExecutor) driver)
                    .executeScript("const e = arguments[0]; return e.scrollWidth <= e.clientWidth"
                            + " && getComputedStyle(e).maxHeight === '100px';", message));
        } catch (TimeoutException stillCutOff) {
            // cosmetic only
        }
    }

    /**
     * Presses the incident's Retry ("Increment Number of Retries of Failed Job"), confirms the dialog,
     * and returns the dialog's result text; the dialog is closed again afterwards.
     */
    public String retry(WebElement incidentRow, String screenshotOfDialog, String screenshotOfResult) {
        incidentRow.findElement(INCIDENT_RETRY).click();
        WebElement confirm = wait.until(ExpectedConditions.elementToBeClickable(RETRY_CONFIRM));
        screenshot(screenshotOfDialog);
        confirm.click();
        WebElement ok = wait.until(ExpectedConditions.elementToBeClickable(RETRY_DIALOG_OK));
        String result = driver.findElement(RETRY_DIALOG).getText();
        screenshot(screenshotOfResult);
        ok.click();
        wait.until(ExpectedConditions.invisibilityOfElementLocated(RETRY_DIALOG));
        return result;
    }

    /** Waits until the Incidents tab has loaded and shows no incident at all ("No incidents"). */
    public void awaitNoIncidents() {
        wait.until(ExpectedConditions.attributeToBe(INCIDENT_LIST_LOADER, "loading-state", "EMPTY"));
        wait.until(ExpectedConditions.numberOfElementsToBe(INCIDENT_ROWS, 0));
    }

    /** Waits for a page notification containing {@code text} and returns its full text. */
    public String awaitNotification(String text) {
        return wait.until(driver -> driver.findElements(NOTIFICATIONS).stream().map(WebElement::getText)
                .filter(shown -> shown.contains(text)).findFirst().orElse(null));
    }

    public void awaitUrlContains(String fragment) {
        wait.until(ExpectedConditions.urlContains(fragment));
    }

    // --- the "Saga messages" tab and the dashboard section (Sagaflow's Cockpit plugin) -----------

    /** Waits until the tab lists the outbox row of {@code messageId} with {@code status}; returns the row. */
    public WebElement awaitOutboxRow(String messageId, String status) {
        By row = By.cssSelector(".saga-messages tr[data-message-id='" + messageId + "']");
        return wait.until(driver -> {
            List<WebElement> rows = driver.findElements(row);
            if (rows.isEmpty() || !rows.get(0).findElement(By.cssSelector(".saga-status")).getText().equals(status)) {
                refreshSagaMessages(driver);
                return null;
            }
            return rows.get(0);
        });
    }

    /** Waits until the tab lists a parked message whose reason contains {@code text}; returns the row. */
    public WebElement awaitParkedRow(String text) {
        By rows = By.cssSelector(".saga-messages tr[data-parked-id]");
        return wait.until(driver -> driver.findElements(rows).stream()
                .filter(row -> row.getText().contains(text)).findFirst().orElseGet(() -> {
                    refreshSagaMessages(driver);
                    return null;
                }));
    }

    /** Scrolls the element to the middle of the window (for a screenshot of it). */
    public void scrollTo(WebElement element) {
        ((JavascriptExecutor) driver).executeScript("arguments[0].scrollIntoView({block: 'center'});", element);
    }

    /** Waits until an element is visible and returns it. */
    public WebElement await(By element) {
        return wait.until(ExpectedConditions.visibilityOfElementLocated(element));
    }

    /** The saga's definition version as the tab's toolbar shows it ("Version: 1"). */
    public String sagaVersion() {
        return wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".saga-messages .saga-version")))
                .getText().trim();
    }

    /** Waits until the tab has loaded (its Refresh button is there). */
    public void awaitSagaMessagesTab() {
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector(".saga-messages .saga-refresh")));
    }

    private static void refreshSagaMessages(org.openqa.selenium.WebDriver driver) {
        List<WebElement> refresh = driver.findElements(By.cssSelector(".saga-messages .saga-refresh"));
        if (!refresh.isEmpty()) {
            refresh.get(0).click();
        }
    }

    /**
     * Clicks a repair button, confirms in the tab's confirmation bar (typing {@code reason} if it asks
     * for one), and returns the notice the tab shows afterwards.
     */
    public String repair(WebElement button, String reason, String screenshotOfQuestion) {
        button.click();
        WebElement confirm = wait.until(ExpectedConditions.elementToBeClickable(
                By.cssSelector(".saga-messages .saga-confirm-yes")));
        if (reason != null) {
            driver.findElement(By.cssSelector(".saga-messages .saga-confirm-reason")).sendKeys(reason);
        }
        if (screenshotOfQuestion != null) {
            screenshot(screenshotOfQuestion);
        }
        confirm.click();
        return wait.until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector(".saga-messages .saga-notice"))).getText();
    }

    /** Waits until {@code locator} is clickable and returns it. */
    public WebElement find(By locator) {
        return wait.until(ExpectedConditions.elementToBeClickable(locator));
    }

    public List<WebElement> findAll(By locator) {
        return driver.findElements(locator);
    }

    /**
     * POSTs JSON from the signed-in page, as the plugin's front end does (session cookie and CSRF
     * token), and returns the HTTP status.
     */
    public long postFromPage(String path, String json) {
        Object status = ((JavascriptExecutor) driver).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                const token = (document.cookie.match(/XSRF-TOKEN=([^;]+)/) || [])[1];
                fetch(arguments[0], {method: 'POST', credentials: 'same-origin', body: arguments[1],
                    headers: {'Content-Type': 'application/json', 'X-XSRF-TOKEN': token}})
                  .then(response => done(response.status), error => done(-1));
                """, path, json);
        return ((Number) status).longValue();
    }

    /** The dashboard's Sagaflow section, once loaded. */
    public WebElement openDashboardSection() {
        driver.get("about:blank");
        driver.get(baseUrl + "#/dashboard");
        WebElement section = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".saga-overview")));
        ((JavascriptExecutor) driver).executeScript("arguments[0].scrollIntoView({block: 'center'});", section);
        return section;
    }

    // --- evidence ------------------------------------------------------------------------------

    public Path screenshot(String name) {
        Path file = screenshots.resolve(name + ".png");
        try {
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** Screenshot and page source of the moment a step failed, for the CI log's reader. */
    public void saveFailure() {
        try {
            screenshot("failure");
            Files.writeString(screenshots.resolve("failure.html"), driver.getPageSource());
        } catch (RuntimeException | IOException e) {
            // the test's own failure matters more
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            FileSystemUtils.deleteRecursively(profile.toFile());
        }
    }

    /** The {@code cam-widget-loader} has finished: LOADED (rows) or EMPTY (none). */
    private static ExpectedCondition<Boolean> loaded(By loader) {
        return driver -> {
            List<WebElement> found = driver.findElements(loader);
            if (found.isEmpty()) {
                return false;
            }
            String state = found.get(0).getAttribute("loading-state");
            return "LOADED".equals(state) || "EMPTY".equals(state);
        };
    }
}
