package io.sagaflow.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.contract.Outcome;
import io.sagaflow.contract.ReplyBody;
import org.junit.jupiter.api.Test;

/** Inbound bodies are parsed in one place: what is not the expected JSON is refused with a reason to park, never retried. */
class InboundMessageTests {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void aBodyBindsToItsType() {
        ReplyBody reply = body("{\"outcome\":\"SUCCESS\",\"result\":{\"reservationId\":\"r-1\"}}")
                .bodyAs(json, ReplyBody.class, "reply body is not a valid reply");
        assertThat(reply.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(reply.result()).containsEntry("reservationId", "r-1");
    }

    @Test
    void whatIsNotTheTypeIsRefusedWithTheCallersReasonFirst() {
        assertThatThrownBy(() -> body("<reply/>").bodyAs(json, ReplyBody.class, "reply body is not a valid reply"))
                .isInstanceOf(PoisonMessageException.class).hasMessageStartingWith("reply body is not a valid reply: ");
        // The record's own check (an outcome is required) refuses as well.
        assertThatThrownBy(() -> body("{\"reason\":\"x\"}").bodyAs(json, ReplyBody.class, "reply body is not a valid reply"))
                .isInstanceOf(PoisonMessageException.class).hasMessageContaining("outcome");
        assertThatThrownBy(() -> body("null").bodyAs(json, ReplyBody.class, "reply body is not a valid reply"))
                .isInstanceOf(PoisonMessageException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> body(null).bodyAs(json, ReplyBody.class, "reply body is not a valid reply"))
                .isInstanceOf(PoisonMessageException.class);
    }

    @Test
    void anObjectIsAMapAndAnythingElseIsRefused() {
        assertThat(body("{\"orderId\":\"o-1\",\"quantity\":2}").bodyAsMap(json, "event is not a JSON object"))
                .isEqualTo(Map.of("orderId", "o-1", "quantity", 2));
        for (String notAnObject : new String[] {"[1,2]", "42", "not json", "null", ""}) {
            assertThatThrownBy(() -> body(notAnObject).bodyAsMap(json, "event is not a JSON object"))
                    .as(notAnObject).isInstanceOf(PoisonMessageException.class)
                    .hasMessageStartingWith("event is not a JSON object");
        }
    }

    @Test
    void anyJsonIsATreeAndAnEmptyBodyIsMissing() {
        assertThat(body("{\"id\":\"m-1\"}").bodyAsJson(json, "answer is not JSON").path("id").asText()).isEqualTo("m-1");
        assertThat(body("").bodyAsJson(json, "answer is not JSON").isMissingNode()).isTrue();
        assertThatThrownBy(() -> body("{oops").bodyAsJson(json, "answer is not JSON"))
                .isInstanceOf(PoisonMessageException.class).hasMessageStartingWith("answer is not JSON: ");
    }

    private static InboundMessage body(String body) {
        return new InboundMessage("queue", "m-1", "test", null, null, Map.of(), body);
    }
}
