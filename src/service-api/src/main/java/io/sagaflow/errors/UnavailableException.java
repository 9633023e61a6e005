package io.sagaflow.errors;

import java.util.Map;

/** This instance does not do this (e.g. it runs no orchestrator); another instance may. */
public final class UnavailableException extends DomainException {

    public UnavailableException(String detail) {
        super(null, detail, Map.of());
    }

    @Override
    public String kind() {
        return "unavailable";
    }
}
