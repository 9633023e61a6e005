package io.sagaflow.messaging;

/**
 * The kind of RabbitMQ queue Sagaflow declares ({@code sagaflow.messaging.queue-type}). Classic
 * queues are the default and what the embedded broker knows; quorum queues replicate across a
 * RabbitMQ cluster (Raft) and survive the loss of a minority of nodes. A queue's type is fixed when
 * it is created: switching means new queues (see docs/deployment.md).
 */
public enum QueueType {
    CLASSIC, QUORUM
}
