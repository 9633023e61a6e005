package io.sagaflow.roles;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;

/**
 * Only on instances that run the orchestrator role ({@code sagaflow.roles.orchestrator.enabled},
 * default true): consuming replies and producer requests, watching deadlines, checking back on half
 * messages. Camunda's job executor follows the same switch (application.yml).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Documented
@ConditionalOnProperty(name = "sagaflow.roles.orchestrator.enabled", havingValue = "true", matchIfMissing = true)
public @interface ConditionalOnOrchestratorRole {
}
