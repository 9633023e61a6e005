package io.sagaflow.saga;

import java.util.Map;
import java.util.function.Supplier;

import org.camunda.bpm.engine.spring.SpringExpressionManager;
import org.camunda.bpm.impl.juel.jakarta.el.CompositeELResolver;
import org.camunda.bpm.impl.juel.jakarta.el.ELResolver;
import org.springframework.context.ApplicationContext;

/**
 * Camunda's Spring expression manager with one more resolver in front: a saga's input fields
 * ({@link SagaInputs}), where the saga has no variable of that name. Variables, then inputs, then
 * beans: the order expressions saw when inputs were variables.
 */
final class SagaExpressionManager extends SpringExpressionManager {

    private final Supplier<SagaInputs> inputs;

    SagaExpressionManager(ApplicationContext applicationContext, Map<Object, Object> beans,
                          Supplier<SagaInputs> inputs) {
        super(applicationContext, beans);
        this.inputs = inputs;
    }

    @Override
    protected ELResolver createElResolver() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new SagaInputs.ElResolver(inputs));
        resolver.add(super.createElResolver());
        return resolver;
    }
}
