package io.sagaflow.saga;

import java.net.URI;

import org.springframework.http.ResponseEntity;

/**
 * The HTTP answer to a saga start, the same on every start endpoint: 202 Accepted for a saga this
 * request started, 200 OK for the saga an earlier request with the same business key and input
 * started; {@code Location} names the saga either way.
 */
public final class SagaStartAnswers {

    private SagaStartAnswers() {
    }

    public static ResponseEntity<Sagas.StartedSaga> of(Sagas.StartResult result) {
        ResponseEntity.BodyBuilder answer = result.created() ? ResponseEntity.accepted() : ResponseEntity.ok();
        return answer.location(URI.create("/api/sagas/" + result.saga().sagaId())).body(result.saga());
    }
}
