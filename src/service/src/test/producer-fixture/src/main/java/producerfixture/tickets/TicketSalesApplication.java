package producerfixture.tickets;

import java.util.List;

import javax.sql.DataSource;

import io.sagaflow.txmessage.client.TxMessage;
import io.sagaflow.txmessage.client.TxMessageProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * A ticket shop that announces each sale with a half message: the sale row and the message commit
 * together or not at all. Sales in {@code fixture.sales} commit; those in {@code fixture.refused}
 * fail in their local transaction (sold out), so their messages are rolled back. The producer
 * stays up afterwards to answer Sagaflow's check-backs for group {@code tickets}.
 */
@SpringBootApplication
public class TicketSalesApplication {

    private static final Logger log = LoggerFactory.getLogger(TicketSalesApplication.class);

    public static void main(String[] args) {
        SpringApplication.run(TicketSalesApplication.class, args);
    }

    @Bean
    TxMessageProducer ticketEvents(ConnectionFactory rabbit, DataSource db, PlatformTransactionManager tx) {
        return TxMessageProducer.builder("tickets").connectionFactory(rabbit)
                .database(db, tx).outcomeTable("tickets.tx_outcome").build();
    }

    @Bean
    ApplicationRunner sellTickets(TxMessageProducer producer, JdbcTemplate jdbc,
                                  @Value("${fixture.sales}") List<String> sales,
                                  @Value("${fixture.refused}") List<String> refused) {
        return arguments -> {
            jdbc.execute("CREATE SCHEMA IF NOT EXISTS tickets");
            jdbc.execute(TxMessageProducer.outcomeTableDdl("tickets.tx_outcome"));
            jdbc.execute("CREATE TABLE IF NOT EXISTS tickets.sale (id VARCHAR(64) PRIMARY KEY)");
            for (String sale : sales) {
                producer.send(announcement(sale), messageId -> jdbc.update("INSERT INTO tickets.sale (id) VALUES (?)", sale));
            }
            for (String sale : refused) {
                try {
                    producer.send(announcement(sale), messageId -> {
                        jdbc.update("INSERT INTO tickets.sale (id) VALUES (?)", sale);
                        throw new IllegalStateException("sold out");
                    });
                } catch (IllegalStateException soldOut) {
                    log.info("Sale {} refused: {}", sale, soldOut.getMessage());
                }
            }
            log.info("Ticket sales done: {} sold, {} refused", sales.size(), refused.size());
        };
    }

    private static TxMessage announcement(String sale) {
        return TxMessage.of("fixture.tickets", "ticket.sold", "{\"sale\":\"" + sale + "\"}")
                .withId(sale).withType("ticket.sold");
    }
}
