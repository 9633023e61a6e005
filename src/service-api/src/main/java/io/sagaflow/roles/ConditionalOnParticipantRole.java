package io.sagaflow.roles;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.context.annotation.Conditional;

/**
 * Only on instances that run the named participant: {@code sagaflow.roles.participants} lists the
 * participants this instance hosts ({@code all}, the default, or {@code none}).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Documented
@Conditional(ParticipantRoleCondition.class)
public @interface ConditionalOnParticipantRole {

    /** The participant's name, as in {@code Participant.named(...)}. */
    String value();
}
