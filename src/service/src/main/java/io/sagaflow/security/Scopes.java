package io.sagaflow.security;

import java.util.List;

/**
 * Who may do what, in one place. Permissions are OAuth2 scopes, whichever way a caller
 * authenticates: a JWT carries them in its {@code scope} claim, a configured API client gets them
 * from its configuration, an operator from its Camunda group. Endpoints ask for a scope, never for a
 * user or a group ({@link SecurityConfiguration}).
 *
 * <table>
 *   <caption>roles</caption>
 *   <tr><th>role</th><th>who</th><th>scopes</th></tr>
 *   <tr><td>{@value #CLIENT_ROLE}</td><td>an application that starts sagas (configured client or JWT)</td>
 *       <td>{@value #START}, {@value #READ}</td></tr>
 *   <tr><td>{@value #OPERATOR_ROLE}</td><td>members of the Camunda group {@value #OPERATOR_GROUP}</td>
 *       <td>{@value #START}, {@value #READ}, {@value #READ_ALL}, {@value #OPERATE}</td></tr>
 *   <tr><td>{@value #VIEWER_ROLE}</td><td>members of the Camunda group {@value #VIEWER_GROUP}</td>
 *       <td>{@value #READ}, {@value #READ_ALL}</td></tr>
 *   <tr><td>{@value #ADMIN_ROLE}</td><td>members of Camunda's {@code camunda-admin} group</td>
 *       <td>all, and Camunda's Admin webapp</td></tr>
 * </table>
 */
public final class Scopes {

    /** Start sagas, produce transactional messages. */
    public static final String START = "sagas:start";
    /** Read sagas (a client only its own), messages it produced, the examples' read models. */
    public static final String READ = "sagas:read";
    /** Abort, requeue, replay, resolve; engine-rest, Cockpit's data, Actuator beyond health. */
    public static final String OPERATE = "sagas:operate";
    /** With {@link #READ}: read every saga, not only one's own (viewers, operators). */
    public static final String READ_ALL = "sagas:read-all";

    public static final String CLIENT_ROLE = "saga-client";
    public static final String OPERATOR_ROLE = "saga-operator";
    public static final String ADMIN_ROLE = "admin";

    public static final String VIEWER_ROLE = "saga-viewer";

    /** Camunda group whose members operate Sagaflow without being Camunda administrators. */
    public static final String OPERATOR_GROUP = "saga-operator";
    /** Camunda group whose members see every saga, in Cockpit and on the API, and repair nothing. */
    public static final String VIEWER_GROUP = "saga-viewer";

    static final List<String> CLIENT_SCOPES = List.of(START, READ);
    static final List<String> OPERATOR_SCOPES = List.of(START, READ, READ_ALL, OPERATE);
    static final List<String> VIEWER_SCOPES = List.of(READ, READ_ALL);

    private Scopes() {
    }

    /** The Spring Security authority of a scope, as Spring's JWT support names it. */
    public static String authority(String scope) {
        return "SCOPE_" + scope;
    }
}
