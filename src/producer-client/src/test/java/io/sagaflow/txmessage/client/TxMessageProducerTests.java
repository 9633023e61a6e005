package io.sagaflow.txmessage.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;

import io.sagaflow.contract.TxMessageProtocol;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

@DisplayName("Producer client setup")
class TxMessageProducerTests {

    private final DriverManagerDataSource dataSource = new DriverManagerDataSource(
            "jdbc:h2:mem:producer-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");

    private static CachingConnectionFactory rabbit(boolean confirms) {
        CachingConnectionFactory factory = new CachingConnectionFactory("127.0.0.1", 1);
        if (confirms) {
            factory.setPublisherConfirmType(CachingConnectionFactory.ConfirmType.CORRELATED);
            factory.setPublisherReturns(true);
        }
        return factory;
    }

    private TxMessageProducer.Builder builder(String group, CachingConnectionFactory rabbit) {
        return TxMessageProducer.builder(group).connectionFactory(rabbit)
                .database(dataSource, new DataSourceTransactionManager(dataSource)).outcomeTable("tx_outcome");
    }

    @Test
    @DisplayName("without publisher confirms and returns the client refuses to start: a prepare could be lost")
    void requiresPublisherConfirms() {
        assertThatThrownBy(() -> builder("shop", rabbit(false)).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("publisher-confirm-type=correlated");
    }

    @Test
    @DisplayName("the producer group must be usable as a routing key and queue name")
    void validatesTheProducerGroup() {
        assertThatThrownBy(() -> builder("shop orders", rabbit(true)).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(builder("shop", rabbit(true)).build().producerGroup()).isEqualTo("shop");
        assertThat(TxMessageProtocol.checkQueue("shop")).isEqualTo("sagaflow.tx-checks.shop");
    }

    @Test
    @DisplayName("send() inside an outer transaction is refused: the local transaction would commit after the commit request")
    void refusesAnOuterTransaction() {
        TxMessageProducer producer = builder("shop", rabbit(true)).build();
        TransactionTemplate outer = new TransactionTemplate(new DataSourceTransactionManager(dataSource));

        assertThatThrownBy(() -> outer.executeWithoutResult(status ->
                producer.send(TxMessage.of("sagaflow.events", "k", "{}"), id -> { })))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("outside a transaction");
    }
}
