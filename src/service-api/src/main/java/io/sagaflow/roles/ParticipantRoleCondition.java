package io.sagaflow.roles;

import java.util.List;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Matches when {@code sagaflow.roles.participants} names the participant, or is {@code all}. */
class ParticipantRoleCondition extends SpringBootCondition {

    static final String PROPERTY = "sagaflow.roles.participants";

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        String participant = (String) metadata.getAnnotationAttributes(ConditionalOnParticipantRole.class.getName())
                .get("value");
        List<String> hosted = hostedParticipants(Binder.get(context.getEnvironment()));
        boolean match = hosted.contains("all") || hosted.contains(participant);
        return new ConditionOutcome(match, "participant '" + participant + "' " + (match ? "is" : "is not")
                + " in " + PROPERTY + "=" + hosted);
    }

    static List<String> hostedParticipants(Binder binder) {
        return binder.bind(PROPERTY, Bindable.listOf(String.class)).orElse(List.of("all")).stream()
                .map(name -> name.trim().toLowerCase()).toList();
    }
}
