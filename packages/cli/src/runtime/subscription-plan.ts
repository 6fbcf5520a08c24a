import { type ServiceName, TOPIC_NAMES, TOPICS, type TopicName } from '@nlyzer/contracts';
import type { ServiceDefinition } from '@nlyzer/service-kit';

export interface TopicSubscriber {
  service: ServiceName;
  topic: TopicName;
}

export interface PlannedSubscription extends TopicSubscriber {
  /** `<service>.<topic>`: the Pub/Sub subscription id Terraform creates too. */
  name: string;
}

export interface SubscriptionPlan {
  subscriptions: PlannedSubscription[];
  /** Handlers for topics the catalog does not list the service under: left unsubscribed, as in production. */
  unlisted: TopicSubscriber[];
  /** Catalog subscribers that are present but have no handler for the topic. */
  unhandled: TopicSubscriber[];
  /** Catalog subscribers whose service is not in this runtime (yet). */
  waiting: TopicSubscriber[];
}

export const subscriptionName = (service: ServiceName, topic: TopicName) => `${service}.${topic}`;

/**
 * Subscriptions come from the topic catalog, the same source Terraform derives the Pub/Sub
 * subscriptions from, so the embedded runtime delivers exactly what production would.
 */
export function planSubscriptions(services: readonly ServiceDefinition[]): SubscriptionPlan {
  const present = new Map(services.map((service) => [service.name, service]));
  const plan: SubscriptionPlan = { subscriptions: [], unlisted: [], unhandled: [], waiting: [] };
  for (const service of services) {
    for (const topic of Object.keys(service.handlers ?? {}) as TopicName[]) {
      const listed = TOPICS[topic]?.subscribers.includes(service.name) ?? false;
      if (listed)
        plan.subscriptions.push({
          service: service.name,
          topic,
          name: subscriptionName(service.name, topic),
        });
      else plan.unlisted.push({ service: service.name, topic });
    }
  }
  for (const topic of TOPIC_NAMES) {
    for (const subscriber of TOPICS[topic].subscribers) {
      const service = present.get(subscriber);
      if (!service) plan.waiting.push({ service: subscriber, topic });
      else if (!service.handlers?.[topic]) plan.unhandled.push({ service: subscriber, topic });
    }
  }
  return plan;
}
