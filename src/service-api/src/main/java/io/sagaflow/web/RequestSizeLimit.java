package io.sagaflow.web;

import java.io.IOException;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses {@code /api/**} request bodies over {@code sagaflow.api.max-request-size} with 413
 * problem+json, before anything reads them.
 */
@Component
class RequestSizeLimit extends OncePerRequestFilter {

    private final long maxBytes;
    private final ObjectMapper objectMapper;

    RequestSizeLimit(ApiProperties api, ObjectMapper objectMapper) {
        this.maxBytes = api.maxRequestSize().toBytes();
        this.objectMapper = objectMapper;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !request.getRequestURI().startsWith("/api/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (request.getContentLengthLong() > maxBytes) {
            ProblemResponses.write(objectMapper, request, response, HttpStatus.PAYLOAD_TOO_LARGE, "request body of "
                    + request.getContentLengthLong() + " bytes exceeds the limit of " + maxBytes + " bytes");
            return;
        }
        chain.doFilter(request, response);
    }
}
