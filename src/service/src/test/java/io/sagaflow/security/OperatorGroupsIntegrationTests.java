package io.sagaflow.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.sagaflow.testing.IntegrationTest;
import org.camunda.bpm.engine.AuthorizationService;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.authorization.Authorization;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The operator groups exist after start-up with their grants, and creating them again (a second
 * instance starting, a restart) changes nothing, also when two do it at the same moment.
 */
@IntegrationTest
@DisplayName("Operator groups: created at start-up, idempotent")
class OperatorGroupsIntegrationTests {

    private final OperatorGroups groups;
    private final IdentityService identities;
    private final AuthorizationService authorizations;

    OperatorGroupsIntegrationTests(OperatorGroups groups, IdentityService identities,
                                   AuthorizationService authorizations) {
        this.groups = groups;
        this.identities = identities;
        this.authorizations = authorizations;
    }

    @Test
    @DisplayName("two instances ensuring the groups at once leave one group and one authorization per resource each")
    void concurrentStartsLeaveOneOfEach() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> starts = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            starts.add(pool.submit(() -> {
                go.await();
                groups.ensureGroups();
                return null;
            }));
        }
        go.countDown();
        for (Future<?> start : starts) {
            start.get();
        }
        pool.shutdown();

        for (String group : List.of(Scopes.OPERATOR_GROUP, Scopes.VIEWER_GROUP)) {
            assertThat(identities.createGroupQuery().groupId(group).count()).isOne();
            List<OperatorGroups.Grant> grants = group.equals(Scopes.OPERATOR_GROUP)
                    ? OperatorGroups.OPERATOR_GRANTS : OperatorGroups.VIEWER_GRANTS;
            for (OperatorGroups.Grant grant : grants) {
                List<Authorization> found = authorizations.createAuthorizationQuery().groupIdIn(group)
                        .resourceType(grant.type()).resourceId(grant.resourceId()).list();
                assertThat(found).as("%s on %s %s", group, grant.type().resourceName(), grant.resourceId()).hasSize(1);
                assertThat(found.get(0).isPermissionGranted(grant.permissions()[0])).isTrue();
            }
        }
        assertThat(authorizations.createAuthorizationQuery().groupIdIn(Scopes.OPERATOR_GROUP).list())
                .as("no grant to delete deployments").noneMatch(authorization ->
                        authorization.getResourceType() == org.camunda.bpm.engine.authorization.Resources.DEPLOYMENT
                                .resourceType()
                        && authorization.isPermissionGranted(org.camunda.bpm.engine.authorization.Permissions.DELETE));
    }
}
