package io.sagaflow.admission;

import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Whether this instance admits new sagas. Shedding load is the service protecting the sagas it has,
 * not a failure: the component stays UP (a DOWN would get the instance restarted or taken out of the
 * load balancer, and the others would have even more to do), and the details say why it sheds.
 */
@Component
class AdmissionHealthIndicator implements HealthIndicator {

    private final Admission admission;

    AdmissionHealthIndicator(Admission admission) {
        this.admission = admission;
    }

    @Override
    public Health health() {
        Admission.State state = admission.state();
        Health.Builder health = Health.up()
                .withDetail("state", state.shedding() ? "SHEDDING_LOAD" : "ADMITTING")
                .withDetail("since", state.since().toString())
                .withDetail("replyBacklog", state.replyBacklog());
        if (state.replyWait() != null) {
            health.withDetail("replyWaitMillis", state.replyWait().toMillis());
        }
        if (state.outboxLag() != null) {
            health.withDetail("outboxLagMillis", state.outboxLag().toMillis());
        }
        if (state.reason() != null) {
            health.withDetail("reason", state.reason());
        }
        return health.build();
    }
}
