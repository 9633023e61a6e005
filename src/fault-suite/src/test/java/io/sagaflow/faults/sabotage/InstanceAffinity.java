package io.sagaflow.faults.sabotage;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.sagaflow.contract.SagaHeaders;
import io.sagaflow.saga.Sagas;
import org.aopalliance.intercept.MethodInterceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.core.MessageListener;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * A design bug a saga cluster can have: instance affinity. The orchestrator advances only the sagas
 * this JVM started (their ids kept in memory), and drops the replies of the others as if someone
 * else would take them. While both instances live, half of each one's replies are lost; once one
 * dies, nobody finishes its sagas. SagaClusterTests must name them.
 */
final class InstanceAffinity implements BeanPostProcessor {

    private static final Logger log = LoggerFactory.getLogger(InstanceAffinity.class);

    private final Set<String> startedHere = ConcurrentHashMap.newKeySet();

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof Sagas) {
            ProxyFactory proxy = new ProxyFactory(bean);
            proxy.setProxyTargetClass(true);
            proxy.addAdvice((MethodInterceptor) invocation -> {
                Object result = invocation.proceed();
                if (result instanceof Sagas.StartResult started) {
                    startedHere.add(started.saga().sagaId());
                }
                return result;
            });
            return proxy.getProxy();
        }
        if (bean instanceof SimpleMessageListenerContainer container && "replyListener".equals(beanName)) {
            MessageListener real = (MessageListener) container.getMessageListener();
            container.setMessageListener((MessageListener) message -> {
                Object sagaId = message.getMessageProperties().getHeaders().get(SagaHeaders.SAGA_ID);
                if (sagaId != null && !startedHere.contains(String.valueOf(sagaId))) {
                    log.warn("SABOTAGE: dropping a reply of saga {}, started elsewhere", sagaId);
                    return; // acknowledged and gone
                }
                real.onMessage(message);
            });
            log.warn("SABOTAGE: this orchestrator advances only the sagas it started");
        }
        return bean;
    }
}
