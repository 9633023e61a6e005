package io.sagaflow.roles;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.context.annotation.Conditional;

/**
 * Only on instances that host at least one example participant: {@code sagaflow.roles.participants}
 * is {@code all} (the default) or names one; not on an orchestrator with {@code participants: none}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Documented
@Conditional(AnyParticipantRoleCondition.class)
public @interface ConditionalOnAnyParticipantRole {
}
