package io.sagaflow.cockpit;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.audit.Audit;
import io.sagaflow.audit.AuditRecord;
import io.sagaflow.errors.DomainException;
import io.sagaflow.errors.InvalidInputException;
import io.sagaflow.ops.BulkRepairs;
import io.sagaflow.ops.Repairs;
import io.sagaflow.saga.ParticipantPauses;
import io.sagaflow.saga.SagaMessages;
import io.sagaflow.saga.SagaMigrations;
import io.sagaflow.saga.Sagas;
import io.sagaflow.security.Scopes;
import io.sagaflow.web.ApiException;
import io.sagaflow.web.ApiProblems;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.camunda.bpm.cockpit.plugin.resource.AbstractCockpitPluginRootResource;
import org.camunda.bpm.engine.authorization.Groups;
import org.camunda.bpm.webapp.impl.security.auth.Authentication;
import org.camunda.bpm.webapp.impl.security.auth.Authentications;
import org.camunda.bpm.webapp.impl.security.auth.UserAuthentication;

/**
 * The plugin's REST resource, under {@code /camunda/api/cockpit/plugin/saga-messages/{engine}/}. The
 * webapp lets only users signed in to that engine reach it; reading is open to them, the repairs
 * (requeue, replay, abort) only to operators: members of {@code camunda-admin} or
 * {@value Scopes#OPERATOR_GROUP}, as on the REST API. Errors answer JSON {@code {status, detail}}.
 */
@Path("plugin/" + SagaMessagesCockpitPlugin.ID)
public class SagaMessagesPluginResource extends AbstractCockpitPluginRootResource {

    public SagaMessagesPluginResource() {
        super(SagaMessagesCockpitPlugin.ID);
    }

    /** The tab's data, whether this user may repair, and who repaired this saga (the audit trail). */
    public record TabData(SagaMessages.Messages messages, boolean operator, java.util.List<AuditRecord> audit) {
    }

    @GET
    @Path("{engine}/process-instance/{sagaId}/messages")
    @Produces(MediaType.APPLICATION_JSON)
    public Response messages(@PathParam("engine") String engine, @PathParam("sagaId") String sagaId) {
        return answer(() -> new TabData(SpringBeans.get(SagaMessages.class).of(sagaId), isOperator(engine),
                SpringBeans.get(Audit.class).find(sagaId, null, null, null, 0, 100)));
    }

    /** The dashboard's counts, the paused participants, and whether this user may migrate, pause and resume. */
    public record DashboardData(SagaMessages.Overview overview, List<ParticipantPauses.Pause> pauses,
                                boolean operator) {
    }

    @GET
    @Path("{engine}/overview")
    @Produces(MediaType.APPLICATION_JSON)
    public Response overview(@PathParam("engine") String engine) {
        return answer(() -> new DashboardData(SpringBeans.get(SagaMessages.class).overview(),
                SpringBeans.get(ParticipantPauses.class).list(), isOperator(engine)));
    }

    /** Pauses a participant from the dashboard (operators, audited as on the API). */
    @POST
    @Path("{engine}/participants/pauses")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response pause(@PathParam("engine") String engine, String body) {
        return answer(() -> {
            JsonNode request = jsonOf(body);
            String prefix = request.path("commandPrefix").asText("");
            String reason = optionalReason(request);
            return audited(engine, new Audit.Request("participant.pause", null, "commands " + prefix + "*", reason),
                    () -> Audit.Done.of(SpringBeans.get(ParticipantPauses.class).pause(prefix,
                            userOf(engine) + " (COCKPIT)", reason, false).pause()));
        });
    }

    /** Resumes a paused participant from the dashboard (operators, audited as on the API). */
    @POST
    @Path("{engine}/participants/pauses/resume")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response resume(@PathParam("engine") String engine, String body) {
        return answer(() -> {
            JsonNode request = jsonOf(body);
            String prefix = request.path("commandPrefix").asText("");
            return audited(engine, new Audit.Request("participant.resume", null, "commands " + prefix + "*",
                    optionalReason(request)), () -> Audit.Done.of(SpringBeans.get(ParticipantPauses.class).resume(prefix,
                            userOf(engine) + " (COCKPIT)")));
        });
    }

    /**
     * A bulk repair from the dashboard (operators): a dry run answers the preview count, a run
     * starts the batch (audited via COCKPIT, as on the API) and answers its id.
     */
    @POST
    @Path("{engine}/bulk-repairs")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response bulkRepair(@PathParam("engine") String engine, String body) {
        return answer(() -> {
            JsonNode request = jsonOf(body);
            ObjectMapper json = SpringBeans.get(ObjectMapper.class);
            BulkRepairs.Filter filter = request.hasNonNull("filter")
                    ? json.treeToValue(request.get("filter"), BulkRepairs.Filter.class) : null;
            String action = request.path("action").asText("");
            BulkRepairs bulkRepairs = SpringBeans.get(BulkRepairs.class);
            Audit.Actor actor = Audit.Actor.ofCockpitUser(userOf(engine));
            try {
                requireOperator(engine);
            } catch (ApiException refused) {
                SpringBeans.get(Audit.class).refused(actor, new Audit.Request("bulk." + action, null, null, null),
                        refused.getMessage());
                throw refused;
            }
            if (request.path("dryRun").asBoolean(false)) {
                return bulkRepairs.preview(action, filter);
            }
            return bulkRepairs.submit(action, filter, optionalReason(request), actor);
        });
    }

    @GET
    @Path("{engine}/bulk-repairs/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    public Response bulkRepairProgress(@PathParam("engine") String engine, @PathParam("id") String id) {
        return answer(() -> {
            requireOperator(engine);
            return SpringBeans.get(BulkRepairs.class).progress(id);
        });
    }

    private static JsonNode jsonOf(String body) throws JsonProcessingException {
        return SpringBeans.get(ObjectMapper.class).readTree(body == null || body.isBlank() ? "{}" : body);
    }

    private static String optionalReason(JsonNode request) {
        String reason = request.path("reason").asText("").trim();
        if (reason.length() > 500) {
            throw new InvalidInputException("reason", "is longer than 500 characters");
        }
        return reason.isEmpty() ? null : reason;
    }

    /**
     * A saga-aware migration from the dashboard (operators): a dry run answers the verdicts, a run
     * starts it (audited, as on the API) and answers its id.
     */
    @POST
    @Path("{engine}/migrations")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response migrate(@PathParam("engine") String engine, String body) {
        return answer(() -> {
            JsonNode request = SpringBeans.get(ObjectMapper.class).readTree(body == null || body.isBlank() ? "{}" : body);
            Map<String, String> mapping = new java.util.LinkedHashMap<>();
            request.path("mapping").fields().forEachRemaining(entry -> mapping.put(entry.getKey(), entry.getValue().asText()));
            String reason = request.path("reason").asText("");
            SagaMigrations.Request migration = new SagaMigrations.Request(request.path("processKey").asText(null),
                    request.hasNonNull("sourceVersion") ? request.get("sourceVersion").asInt() : null,
                    request.path("targetVersion").asText("latest"), mapping, null, null,
                    reason.isBlank() ? "no reason given" : reason);
            SagaMigrations migrations = SpringBeans.get(SagaMigrations.class);
            if (request.path("dryRun").asBoolean(false)) {
                requireOperator(engine);
                return migrations.dryRun(migration);
            }
            String migrationId = SagaMigrations.newId();
            Audit.Actor actor = Audit.Actor.ofCockpitUser(userOf(engine));
            return audited(engine, new Audit.Request("saga.migration", null, "migration " + migrationId + " of "
                    + migration.processKey() + " version " + migration.sourceVersion() + " to "
                    + migration.targetVersion() + " mapping " + mapping, migration.reason()),
                    () -> Audit.Done.of(Map.of("migrationId", migrationId,
                            "report", migrations.start(migration, actor, migrationId))));
        });
    }

    @GET
    @Path("{engine}/migrations/{migrationId}")
    @Produces(MediaType.APPLICATION_JSON)
    public Response migration(@PathParam("engine") String engine, @PathParam("migrationId") String migrationId) {
        return answer(() -> {
            requireOperator(engine);
            return SpringBeans.get(SagaMigrations.class).progress(migrationId);
        });
    }

    @POST
    @Path("{engine}/outbox/{messageId}/requeue")
    @Produces(MediaType.APPLICATION_JSON)
    public Response requeue(@PathParam("engine") String engine, @PathParam("messageId") String messageId) {
        return answer(() -> audited(engine, new Audit.Request("outbox.requeue", null, messageId, null),
                () -> new Audit.Done<>(Map.of("requeued", messageId), SpringBeans.get(Repairs.class).requeue(messageId))));
    }

    @POST
    @Path("{engine}/parked/{id}/replay")
    @Produces(MediaType.APPLICATION_JSON)
    public Response replay(@PathParam("engine") String engine, @PathParam("id") long id) {
        return answer(() -> audited(engine, new Audit.Request("parked.replay", null, "parked message " + id, null),
                () -> new Audit.Done<>(Map.of("replayed", id), SpringBeans.get(Repairs.class).replay(id))));
    }

    @POST
    @Path("{engine}/process-instance/{sagaId}/abort")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response abort(@PathParam("engine") String engine, @PathParam("sagaId") String sagaId, String body) {
        return answer(() -> {
            String given = reasonIn(body);
            String reason = given == null || given.isBlank() ? "no reason given" : given.trim();
            return audited(engine, new Audit.Request("saga.abort", sagaId, null, reason), () -> {
                if (reason.length() > 500) {
                    throw new InvalidInputException("reason", "is longer than 500 characters");
                }
                SpringBeans.get(Sagas.class).abort(sagaId, reason + " (Cockpit, " + userOf(engine) + ")");
                return Audit.Done.of(Map.of("aborted", sagaId));
            });
        });
    }

    private interface Action {
        Object run() throws JsonProcessingException;
    }

    /** JSON written by the application's object mapper (instants as ISO-8601), not the webapp's. */
    private static Response answer(Action action) {
        ObjectMapper json = SpringBeans.get(ObjectMapper.class);
        try {
            return Response.ok(json.writeValueAsString(action.run()), MediaType.APPLICATION_JSON).build();
        } catch (DomainException refused) {
            return refused(ApiProblems.statusOf(refused).value(), refused.getMessage());
        } catch (ApiException refused) {
            return refused(refused.status().value(), refused.getMessage());
        } catch (JsonProcessingException e) {
            return Response.status(400).type(MediaType.APPLICATION_JSON)
                    .entity(Map.of("status", 400, "detail", "the body is not JSON: " + e.getOriginalMessage())).build();
        }
    }

    private static Response refused(int status, String detail) {
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("status", status, "detail", detail)).build();
    }

    private static String reasonIn(String body) throws JsonProcessingException {
        if (body == null || body.isBlank()) {
            return null;
        }
        JsonNode reason = SpringBeans.get(ObjectMapper.class).readTree(body).get("reason");
        return reason == null || reason.isNull() ? null : reason.asText();
    }

    /**
     * A repair as an operator action: refused (and recorded) for anyone else; else run with its audit
     * record in its transaction.
     */
    private static Object audited(String engine, Audit.Request request, java.util.function.Supplier<Audit.Done<Object>> action) {
        Audit audit = SpringBeans.get(Audit.class);
        Audit.Actor actor = Audit.Actor.ofCockpitUser(userOf(engine));
        try {
            requireOperator(engine);
        } catch (ApiException refused) {
            audit.refused(actor, request, refused.getMessage());
            throw refused;
        }
        return audit.perform(actor, request, action);
    }

    private static void requireOperator(String engine) {
        if (!isOperator(engine)) {
            throw new ApiException(org.springframework.http.HttpStatus.FORBIDDEN, "only operators (groups "
                    + Groups.CAMUNDA_ADMIN + ", " + Scopes.OPERATOR_GROUP + ") may repair or migrate sagas");
        }
    }

    private static boolean isOperator(String engine) {
        List<String> groups = userAuthentication(engine) instanceof UserAuthentication user && user.getGroupIds() != null
                ? user.getGroupIds() : List.of();
        return groups.contains(Groups.CAMUNDA_ADMIN) || groups.contains(Scopes.OPERATOR_GROUP);
    }

    private static String userOf(String engine) {
        Authentication user = userAuthentication(engine);
        return user == null ? "unknown user" : user.getName();
    }

    private static Authentication userAuthentication(String engine) {
        Authentications current = Authentications.getCurrent();
        return current == null ? null : current.getAuthenticationForProcessEngine(engine);
    }
}
