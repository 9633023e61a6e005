package io.sagaflow.start;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a REST handler method that starts sagas. While the orchestrator sheds load (it is behind on
 * the work it already accepted), such a request is answered at once with 503 problem+json and
 * {@code Retry-After}, before its body is read and with nothing written; and only a bounded number
 * of them run at once, so replies, which finish sagas, keep the threads and connections they need.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface SagaStartEndpoint {
}
