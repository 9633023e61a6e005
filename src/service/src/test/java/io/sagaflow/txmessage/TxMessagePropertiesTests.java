package io.sagaflow.txmessage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

@DisplayName("Transactional message properties")
class TxMessagePropertiesTests {

    private static TxMessageProperties bind(Map<String, String> values) {
        return new Binder(new MapConfigurationPropertySource(values))
                .bindOrCreate("sagaflow.tx-messages", TxMessageProperties.class);
    }

    @Test
    @DisplayName("the defaults are RocketMQ's: timeout 6 s, check interval 60 s, 15 checks")
    void defaultsFollowRocketMq() {
        TxMessageProperties defaults = bind(Map.of());

        assertThat(defaults.transactionTimeout()).isEqualTo(Duration.ofSeconds(6));
        assertThat(defaults.checkInterval()).isEqualTo(Duration.ofSeconds(60));
        assertThat(defaults.maxChecks()).isEqualTo(15);
    }

    @Test
    @DisplayName("every timing is configurable under sagaflow.tx-messages")
    void configurable() {
        TxMessageProperties properties = bind(Map.of(
                "sagaflow.tx-messages.transaction-timeout", "2s",
                "sagaflow.tx-messages.check-interval", "10s",
                "sagaflow.tx-messages.max-checks", "3",
                "sagaflow.tx-messages.confirm-timeout", "1s"));

        assertThat(properties.transactionTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(properties.checkInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(properties.maxChecks()).isEqualTo(3);
    }

    @Test
    @DisplayName("unsafe combinations fail at startup")
    void unsafeCombinationsFailFast() {
        assertThatThrownBy(() -> bind(Map.of("sagaflow.tx-messages.check-interval", "0s")))
                .isInstanceOf(BindException.class).rootCause().hasMessageContaining("check-interval");
        assertThatThrownBy(() -> bind(Map.of("sagaflow.tx-messages.check-interval", "3s")))
                .isInstanceOf(BindException.class).rootCause().hasMessageContaining("confirm-timeout");
        assertThatThrownBy(() -> bind(Map.of("sagaflow.tx-messages.retention", "PT10M")))
                .isInstanceOf(BindException.class).rootCause().hasMessageContaining("retention");
    }
}
