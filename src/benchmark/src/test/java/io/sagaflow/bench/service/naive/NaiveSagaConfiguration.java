package io.sagaflow.bench.service.naive;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.contract.ReplyBody;
import io.sagaflow.contract.Topology;
import io.sagaflow.saga.SagaModel;
import org.camunda.bpm.engine.RuntimeService;
import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.DirectExchange;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;

/**
 * Benchmark baseline only (profile {@code bench-naive}): the same BPMN, but the step bean
 * {@code ${sagaStep}} publishes its command straight to RabbitMQ (no saga_step row, no outbox, no
 * confirm) and replies are signalled without an inbox. This is the dual write Sagaflow exists to
 * avoid; it shows what the reliability costs. Participants are unchanged (inbox, barrier, outbox).
 * Needs {@code spring.main.allow-bean-definition-overriding=true} to replace the real step bean.
 */
@Configuration(proxyBeanMethods = false)
@Profile("bench-naive")
class NaiveSagaConfiguration {

    static final String REPLY_KEY = "bench-naive";
    static final String REPLY_QUEUE = "sagaflow.bench.naive.replies";
    static final String ID_SEPARATOR = "~";

    @Bean(SagaModel.STEP_BEAN)
    NaiveSagaStep sagaStep(RabbitTemplate rabbit, ObjectMapper objectMapper) {
        return new NaiveSagaStep(rabbit, objectMapper);
    }

    @Bean
    Queue naiveReplies() {
        return new Queue(REPLY_QUEUE, true);
    }

    @Bean
    Binding naiveRepliesBinding(Queue naiveReplies) {
        return BindingBuilder.bind(naiveReplies).to(new DirectExchange(Topology.REPLIES_EXCHANGE)).with(REPLY_KEY);
    }

    @Bean
    NaiveReplyListener naiveReplyListener(RuntimeService runtime, ObjectMapper objectMapper) {
        return new NaiveReplyListener(runtime, objectMapper);
    }

    /** The reply's correlation id starts with the waiting execution's id: signal it, nothing recorded. */
    static class NaiveReplyListener {

        private final RuntimeService runtime;
        private final ObjectMapper objectMapper;

        NaiveReplyListener(RuntimeService runtime, ObjectMapper objectMapper) {
            this.runtime = runtime;
            this.objectMapper = objectMapper;
        }

        @RabbitListener(queues = REPLY_QUEUE)
        void onReply(Message reply) throws Exception {
            ReplyBody body = objectMapper.readValue(reply.getBody(), ReplyBody.class);
            String commandId = reply.getMessageProperties().getCorrelationId();
            String executionId = commandId.substring(0, commandId.indexOf(ID_SEPARATOR));
            runtime.signal(executionId, body.outcome().name(), body, null);
        }
    }
}
