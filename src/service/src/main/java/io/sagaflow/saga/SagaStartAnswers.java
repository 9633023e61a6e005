package io.sagaflow.saga;

import java.net.URI;
import java.util.Map;

import io.sagaflow.start.SagaStarter;
import io.sagaflow.start.StartedSaga;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/**
 * The HTTP answer to a saga start, the same on every start endpoint: 202 Accepted for a saga this
 * request started, 200 OK for the saga an earlier request with the same business key and input
 * started; {@code Location} names the saga either way.
 */
@Component
class SagaStartAnswers implements SagaStarter {

    private final Sagas sagas;

    SagaStartAnswers(Sagas sagas) {
        this.sagas = sagas;
    }

    @Override
    public ResponseEntity<StartedSaga> start(String processKey, Map<String, Object> input) {
        return of(sagas.start(processKey, input));
    }

    static ResponseEntity<StartedSaga> of(Sagas.StartResult result) {
        ResponseEntity.BodyBuilder answer = result.created() ? ResponseEntity.accepted() : ResponseEntity.ok();
        return answer.location(URI.create("/api/sagas/" + result.saga().sagaId())).body(result.saga());
    }
}
