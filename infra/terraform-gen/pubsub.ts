// Pub/Sub from the topic catalog: a topic per catalog entry, a push subscription per
// (topic, subscriber) named `<service>.<topic>`, and one dead-letter topic per subscriber
// service.
//
// Why one dead-letter topic per service rather than per subscription: Pub/Sub stamps every
// dead letter with its source subscription (CloudPubSubDeadLetterSourceSubscription), so a
// per-service topic loses nothing while keeping one place per owning team to look, and
// replaying by republishing to the source topic is safe because every consumer dedups on
// (subscription, event_id). Per-subscription topics would triple the resource count for
// no extra information.
import { SERVICE_NAMES, type ServiceName, TOPICS, type TopicDefinition } from '@nlyzer/contracts';
import { DELIVERY, labelsOf, pushAudience } from './deployment-settings.ts';
import { checkedId, deadLetterId, subscriptionId } from './gcp-names.ts';
import { type Identities, member } from './identities.ts';
import { type TfFile, type TfResource, tfLabel, varRef } from './terraform-json.ts';

const NEVER_EXPIRE = { ttl: '' };
const PUBSUB_AGENT = `serviceAccount:${varRef('pubsub_service_agent')}`;

function publishersOf(topic: TopicDefinition): readonly ServiceName[] {
  return topic.publisher === 'any' ? SERVICE_NAMES : [topic.publisher];
}

function buildDeadLetters(file: TfFile, subscribers: ReadonlySet<ServiceName>): Map<ServiceName, TfResource> {
  const deadLetters = new Map<ServiceName, TfResource>();
  for (const service of subscribers) {
    const id = deadLetterId(service);
    const topic = file.resource('google_pubsub_topic', tfLabel(id), {
      project: varRef('project_id'),
      name: id,
      labels: labelsOf(service),
    });
    // A topic without a subscription drops what it receives: this one keeps dead letters
    // for inspection and replay.
    file.resource('google_pubsub_subscription', tfLabel(id), {
      project: varRef('project_id'),
      name: id,
      topic: topic.ref('id'),
      labels: labelsOf(service),
      ack_deadline_seconds: DELIVERY.ackDeadlineSeconds,
      message_retention_duration: DELIVERY.retention,
      retain_acked_messages: false,
      expiration_policy: NEVER_EXPIRE,
    });
    file.resource('google_pubsub_topic_iam_member', `${tfLabel(id)}_agent_publisher`, {
      project: varRef('project_id'),
      topic: topic.ref('name'),
      role: 'roles/pubsub.publisher',
      member: PUBSUB_AGENT,
    });
    deadLetters.set(service, topic);
  }
  return deadLetters;
}

export function buildPubSub(
  file: TfFile,
  identities: Identities,
  runs: ReadonlyMap<ServiceName, TfResource>,
): void {
  const topics: readonly TopicDefinition[] = Object.values(TOPICS);
  const deadLetters = buildDeadLetters(file, new Set(topics.flatMap((topic) => topic.subscribers)));

  for (const definition of topics) {
    const topic = file.resource('google_pubsub_topic', tfLabel(definition.name), {
      project: varRef('project_id'),
      name: checkedId('pubsub', definition.name),
      labels: labelsOf(),
    });
    for (const publisher of publishersOf(definition)) {
      file.resource(
        'google_pubsub_topic_iam_member',
        `${tfLabel(definition.name)}_${tfLabel(publisher)}_publisher`,
        {
          project: varRef('project_id'),
          topic: topic.ref('name'),
          role: 'roles/pubsub.publisher',
          member: member(identities.services.get(publisher)!),
        },
      );
    }

    for (const subscriber of definition.subscribers) {
      const id = subscriptionId(subscriber, definition.name);
      const run = runs.get(subscriber)!;
      const subscription = file.resource('google_pubsub_subscription', tfLabel(id), {
        project: varRef('project_id'),
        name: id,
        topic: topic.ref('id'),
        labels: labelsOf(subscriber),
        ack_deadline_seconds: DELIVERY.ackDeadlineSeconds,
        message_retention_duration: DELIVERY.retention,
        enable_message_ordering: definition.orderingKey !== null,
        expiration_policy: NEVER_EXPIRE,
        retry_policy: { minimum_backoff: DELIVERY.minimumBackoff, maximum_backoff: DELIVERY.maximumBackoff },
        dead_letter_policy: {
          dead_letter_topic: deadLetters.get(subscriber)!.ref('id'),
          max_delivery_attempts: DELIVERY.maxDeliveryAttempts,
        },
        push_config: {
          push_endpoint: `${run.ref('uri')}${DELIVERY.pushPath}`,
          oidc_token: {
            service_account_email: identities.pubsubPush.ref('email'),
            audience: pushAudience(subscriber),
          },
        },
      });
      // Forwarding to the dead-letter topic acks the source message as the service agent.
      file.resource('google_pubsub_subscription_iam_member', `${tfLabel(id)}_agent_subscriber`, {
        project: varRef('project_id'),
        subscription: subscription.ref('name'),
        role: 'roles/pubsub.subscriber',
        member: PUBSUB_AGENT,
      });
    }
  }
}
