package io.sagaflow.roles;

import java.util.List;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Matches when {@code sagaflow.roles.participants} hosts any participant (not {@code none}, not empty). */
class AnyParticipantRoleCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        List<String> hosted = ParticipantRoleCondition.hostedParticipants(Binder.get(context.getEnvironment()))
                .stream().filter(name -> !name.isEmpty() && !name.equals("none")).toList();
        return new ConditionOutcome(!hosted.isEmpty(), ParticipantRoleCondition.PROPERTY + "=" + hosted
                + (hosted.isEmpty() ? " hosts no participant" : " hosts participants"));
    }
}
