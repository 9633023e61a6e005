package io.sagaflow.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

@DisplayName("The starter's tables in a database the Sagaflow service migrated")
class ParticipantTablesTests {

    private final DriverManagerDataSource dataSource = new DriverManagerDataSource(
            "jdbc:h2:mem:kit-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
    private final JdbcTemplate jdbc = new JdbcTemplate(dataSource);

    @Test
    @DisplayName("the starter's history is baselined at the version the service's migrations created, its first migration does not run, the later ones do")
    void baselinesOverTheServiceTables() throws Exception {
        // What the service's own migrations leave: the tables exist (one stands for all here).
        jdbc.execute("CREATE SCHEMA SAGAFLOW");
        jdbc.execute("CREATE TABLE SAGAFLOW.OUTBOX_MESSAGE (SEQ BIGINT PRIMARY KEY)");

        ParticipantTables.migrateInTheService(dataSource);
        ParticipantTables.migrateInTheService(dataSource); // every start: nothing more happens

        // (H2 only: Flyway adds a row of type TABLE that records the history table's creation.)
        assertThat(jdbc.queryForList("SELECT \"version\" || ':' || \"type\" FROM SAGAFLOW.\"participant_kit_schema_history\""
                + " WHERE \"type\" <> 'TABLE' ORDER BY \"installed_rank\"", String.class)).containsExactly("1:BASELINE", "2:SQL");
    }
}
