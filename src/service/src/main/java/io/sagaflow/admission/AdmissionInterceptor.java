package io.sagaflow.admission;

import io.sagaflow.start.SagaStartEndpoint;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Admits or refuses a request to a {@link SagaStartEndpoint} before its body is read: a refusal
 * ({@link io.sagaflow.errors.OverloadedException}) becomes 503 problem+json with {@code Retry-After}
 * like any other refusal; an admitted start holds its permit until the response is complete.
 */
@Component
class AdmissionInterceptor implements HandlerInterceptor, WebMvcConfigurer {

    private static final String PERMIT = AdmissionInterceptor.class.getName() + ".permit";

    private final Admission admission;

    AdmissionInterceptor(Admission admission) {
        this.admission = admission;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(this).addPathPatterns("/api/**");
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        if (handler instanceof HandlerMethod method && method.hasMethodAnnotation(SagaStartEndpoint.class)) {
            request.setAttribute(PERMIT, admission.admitStart());
        }
        return true;
    }

    @Override
    public void afterCompletion(HttpServletRequest request, HttpServletResponse response, Object handler,
                                Exception failure) {
        if (request.getAttribute(PERMIT) instanceof Admission.Permit permit) {
            request.removeAttribute(PERMIT);
            permit.close();
        }
    }
}
