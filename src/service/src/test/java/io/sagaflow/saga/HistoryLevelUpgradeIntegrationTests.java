package io.sagaflow.saga;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagaflow.testing.IntegrationTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

@IntegrationTest
@DisplayName("A database of an earlier build is moved to history level saga")
class HistoryLevelUpgradeIntegrationTests {

    private static final String STORED_LEVEL = "SELECT VALUE_ FROM ACT_GE_PROPERTY WHERE NAME_ = 'historyLevel'";

    private final JdbcTemplate jdbc;
    private final SagaEnginePlugin plugin;

    HistoryLevelUpgradeIntegrationTests(JdbcTemplate jdbc, SagaEnginePlugin plugin) {
        this.jdbc = jdbc;
        this.plugin = plugin;
    }

    @AfterEach
    void leaveTheLevelOfThisBuild() {
        jdbc.update("UPDATE ACT_GE_PROPERTY SET VALUE_ = ? WHERE NAME_ = 'historyLevel'", String.valueOf(SagaHistoryLevel.ID));
    }

    @Test
    @DisplayName("a database that says full (Camunda would refuse to start on it) says saga after the plugin's start-up step")
    void fullBecomesSaga() {
        assertThat(jdbc.queryForObject(STORED_LEVEL, String.class)).isEqualTo(String.valueOf(SagaHistoryLevel.ID));
        jdbc.update("UPDATE ACT_GE_PROPERTY SET VALUE_ = '3' WHERE NAME_ = 'historyLevel'");

        plugin.recordHistoryLevelChange();

        assertThat(jdbc.queryForObject(STORED_LEVEL, String.class)).isEqualTo(String.valueOf(SagaHistoryLevel.ID));
    }

    @Test
    @DisplayName("a level it does not know (a custom one) is left for Camunda's own check")
    void unknownLevelIsLeftAlone() {
        jdbc.update("UPDATE ACT_GE_PROPERTY SET VALUE_ = '42' WHERE NAME_ = 'historyLevel'");

        plugin.recordHistoryLevelChange();

        assertThat(jdbc.queryForObject(STORED_LEVEL, String.class)).isEqualTo("42");
    }
}
