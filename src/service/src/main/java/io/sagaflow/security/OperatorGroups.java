package io.sagaflow.security;

import java.util.List;

import org.camunda.bpm.engine.AuthorizationService;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.authorization.Authorization;
import org.camunda.bpm.engine.authorization.Permission;
import org.camunda.bpm.engine.authorization.Permissions;
import org.camunda.bpm.engine.authorization.ProcessDefinitionPermissions;
import org.camunda.bpm.engine.authorization.ProcessInstancePermissions;
import org.camunda.bpm.engine.authorization.Resource;
import org.camunda.bpm.engine.authorization.Resources;
import org.camunda.bpm.engine.identity.Group;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * The Camunda groups of the people who run Sagaflow, with the Camunda authorizations they need,
 * created at start-up if missing (idempotent, and safe with several instances starting at once:
 * Camunda's unique keys on groups and authorizations decide, a loser finds the winner's row):
 * <ul>
 * <li>{@value Scopes#OPERATOR_GROUP}: Cockpit; read process definitions, instances and history;
 * update instances (modification), retry jobs, suspend; read deployments. Not: delete a deployment,
 * an instance or history, manage users, groups or authorizations (the admin's, {@code camunda-admin}).
 * On Sagaflow's API: every scope ({@link OperatorAuthentication}).</li>
 * <li>{@value Scopes#VIEWER_GROUP}: Cockpit read-only (definitions, instances, history, deployments);
 * on Sagaflow's API: read every saga, repair nothing.</li>
 * </ul>
 * A person becomes an operator when the admin adds their Camunda user to the group (Admin webapp or
 * engine-rest), docs/operations.md.
 */
@Component
class OperatorGroups {

    private static final Logger log = LoggerFactory.getLogger(OperatorGroups.class);

    /** What a group may do on a resource type (every resource id, or the one given). */
    record Grant(Resource type, String resourceId, Permission... permissions) {
    }

    static final List<Grant> OPERATOR_GRANTS = List.of(
            new Grant(Resources.APPLICATION, "cockpit", Permissions.ACCESS),
            new Grant(Resources.PROCESS_DEFINITION, Authorization.ANY, ProcessDefinitionPermissions.READ,
                    ProcessDefinitionPermissions.READ_INSTANCE, ProcessDefinitionPermissions.UPDATE_INSTANCE,
                    ProcessDefinitionPermissions.READ_HISTORY, ProcessDefinitionPermissions.RETRY_JOB,
                    ProcessDefinitionPermissions.SUSPEND_INSTANCE, ProcessDefinitionPermissions.READ_INSTANCE_VARIABLE,
                    ProcessDefinitionPermissions.READ_HISTORY_VARIABLE, ProcessDefinitionPermissions.READ_TASK,
                    // Saga-aware migration from the Sagaflow dashboard runs Camunda's migration as the operator.
                    ProcessDefinitionPermissions.MIGRATE_INSTANCE),
            new Grant(Resources.PROCESS_INSTANCE, Authorization.ANY, ProcessInstancePermissions.READ,
                    ProcessInstancePermissions.UPDATE, ProcessInstancePermissions.RETRY_JOB,
                    ProcessInstancePermissions.SUSPEND),
            new Grant(Resources.DEPLOYMENT, Authorization.ANY, Permissions.READ),
            new Grant(Resources.DECISION_DEFINITION, Authorization.ANY, Permissions.READ),
            new Grant(Resources.BATCH, Authorization.ANY, Permissions.READ));

    static final List<Grant> VIEWER_GRANTS = List.of(
            new Grant(Resources.APPLICATION, "cockpit", Permissions.ACCESS),
            new Grant(Resources.PROCESS_DEFINITION, Authorization.ANY, ProcessDefinitionPermissions.READ,
                    ProcessDefinitionPermissions.READ_INSTANCE, ProcessDefinitionPermissions.READ_HISTORY,
                    ProcessDefinitionPermissions.READ_INSTANCE_VARIABLE, ProcessDefinitionPermissions.READ_HISTORY_VARIABLE),
            new Grant(Resources.PROCESS_INSTANCE, Authorization.ANY, ProcessInstancePermissions.READ),
            new Grant(Resources.DEPLOYMENT, Authorization.ANY, Permissions.READ),
            new Grant(Resources.DECISION_DEFINITION, Authorization.ANY, Permissions.READ));

    private final IdentityService identities;
    private final AuthorizationService authorizations;

    OperatorGroups(IdentityService identities, AuthorizationService authorizations) {
        this.identities = identities;
        this.authorizations = authorizations;
    }

    /** Before the application takes requests from the people it is for. */
    @EventListener(ApplicationReadyEvent.class)
    @Order(0)
    void ensureGroups() {
        ensureGroup(Scopes.OPERATOR_GROUP, "Saga operators", OPERATOR_GRANTS);
        ensureGroup(Scopes.VIEWER_GROUP, "Saga viewers", VIEWER_GRANTS);
    }

    private void ensureGroup(String groupId, String name, List<Grant> grants) {
        if (identities.createGroupQuery().groupId(groupId).count() == 0) {
            try {
                Group group = identities.newGroup(groupId);
                group.setName(name);
                group.setType("SYSTEM");
                identities.saveGroup(group);
                log.info("Created the Camunda group {} ({})", groupId, name);
            } catch (RuntimeException e) {
                if (identities.createGroupQuery().groupId(groupId).count() == 0) {
                    throw e;
                } // another instance created it first
            }
        }
        for (Grant grant : grants) {
            ensureGrant(groupId, grant);
        }
    }

    private void ensureGrant(String groupId, Grant grant) {
        Authorization existing = authorizations.createAuthorizationQuery().groupIdIn(groupId)
                .resourceType(grant.type()).resourceId(grant.resourceId()).singleResult();
        Authorization authorization = existing;
        boolean changed = existing == null;
        if (authorization == null) {
            // The resource first: Camunda checks each permission against the resource type.
            authorization = authorizations.createNewAuthorization(Authorization.AUTH_TYPE_GRANT);
            authorization.setGroupId(groupId);
            authorization.setResource(grant.type());
            authorization.setResourceId(grant.resourceId());
        }
        for (Permission permission : grant.permissions()) {
            if (!authorization.isPermissionGranted(permission)) {
                authorization.addPermission(permission);
                changed = true;
            }
        }
        if (!changed) {
            return;
        }
        try {
            authorizations.saveAuthorization(authorization);
        } catch (RuntimeException e) {
            if (existing != null || authorizations.createAuthorizationQuery().groupIdIn(groupId)
                    .resourceType(grant.type()).resourceId(grant.resourceId()).count() == 0) {
                throw e;
            } // another instance granted it first; its next start adds what is missing
        }
    }
}
