// Generated from web/openapi/notifications.json by scripts/api-types.mjs (make web-api): do not edit.
export interface paths {
    "/v1/notifications": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Your notifications: unread first, then read, newest first in each. */
        get: {
            parameters: {
                query?: {
                    /** @description Rows per page (1–200). */
                    limit?: number;
                    /** @description `next_cursor` of the previous page. */
                    cursor?: string | null;
                    /** @description Only unread (true) notifications. */
                    unread?: boolean;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["NotificationPage"];
                    };
                };
                422: components["responses"]["UNPROCESSABLE_ENTITY"];
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/unread-count": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Unread"];
                    };
                };
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/read": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Mark all your unread notifications read — up to `up_to` if given, so that one that
         *     arrived since you looked stays unread.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: {
                content: {
                    "application/json": components["schemas"]["MarkAllIn"];
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Marked"];
                    };
                };
                422: components["responses"]["UNPROCESSABLE_ENTITY"];
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/{item_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                item_id: number;
            };
            cookie?: never;
        };
        /** One of your notifications (an e-mail links here). */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    item_id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Notification"];
                    };
                };
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/{item_id}/read": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                item_id: number;
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Mark one of your notifications read (marking it again changes nothing). */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    item_id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Notification"];
                    };
                };
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/preferences": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * How you are told, per channel — `immediate`, a daily `digest`, or `off` — and in
         *     which language (none: the directory's).
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Preferences"];
                    };
                };
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        /**
         * Choose per channel; send `If-Match` with the ETag you read (`"0"` before you first
         *     chose).
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["PreferencesIn"];
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Preferences"];
                    };
                };
                /** @description Your preferences changed since you read them. */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                422: components["responses"]["UNPROCESSABLE_ENTITY"];
                /** @description If-Match is missing. */
                428: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/recipients": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The directory, by subject; filter by role or organisation. */
        get: {
            parameters: {
                query?: {
                    /** @description Rows per page (1–200). */
                    limit?: number;
                    /** @description `next_cursor` of the previous page. */
                    cursor?: string | null;
                    role?: "admin" | "coordinator" | "pilot_lead" | "pilot_worker" | "integration";
                    organisation?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["RecipientPage"];
                    };
                };
                422: components["responses"]["UNPROCESSABLE_ENTITY"];
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/recipients/{subject}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                subject: string;
            };
            cookie?: never;
        };
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    subject: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Recipient"];
                    };
                };
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        /** Add a user to the directory (201) or replace their entry (200, with `If-Match`). */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    subject: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["RecipientIn"];
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Recipient"];
                    };
                };
                /** @description Created. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The entry changed since you read it. */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                422: components["responses"]["UNPROCESSABLE_ENTITY"];
                /** @description The entry exists and If-Match is missing. */
                428: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/organisations/{organisation}/contact": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                organisation: string;
            };
            cookie?: never;
        };
        /** Who hears of the organisation's integration's imports. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    organisation: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Contact"];
                    };
                };
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        /**
         * Name the contact (201), or replace them (200, with `If-Match`). They are told by
         *     e-mail when an import the integration uploaded finishes or fails.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    organisation: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ContactIn"];
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Contact"];
                    };
                };
                /** @description Created. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The contact changed since you read it. */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                422: components["responses"]["UNPROCESSABLE_ENTITY"];
                /** @description The contact exists and If-Match is missing. */
                428: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Live endpoints (an integration: its organisation's), by id; never their secrets. */
        get: {
            parameters: {
                query?: {
                    /** @description Rows per page (1–200). */
                    limit?: number;
                    /** @description `next_cursor` of the previous page. */
                    cursor?: string | null;
                    organisation?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["WebhookPage"];
                    };
                };
                422: components["responses"]["UNPROCESSABLE_ENTITY"];
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        put?: never;
        /**
         * Register an endpoint for some event types. The answer holds the signing secret
         *     (`whsec_…`): keep it, it is not shown again.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["WebhookIn"];
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["WebhookSecret"];
                    };
                };
                422: components["responses"]["UNPROCESSABLE_ENTITY"];
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{endpoint_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                endpoint_id: string;
            };
            cookie?: never;
        };
        /** One endpoint, with the `ETag` a change names; never its secrets. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    endpoint_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Webhook"];
                    };
                };
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        put?: never;
        post?: never;
        /**
         * Withdraw the endpoint; what was still to be sent to it is cancelled, and its
         *     secrets are erased.
         */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    endpoint_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description No Content */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        options?: never;
        head?: never;
        /**
         * Change the URL, the event types or the description; send `If-Match` with the `ETag`
         *     you read. Deliveries still pending go to the new URL; those of event types no longer
         *     chosen are cancelled. The signing secret stays.
         */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    endpoint_id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["WebhookChangeIn"];
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Webhook"];
                    };
                };
                /** @description The endpoint changed since you read it. */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                422: components["responses"]["UNPROCESSABLE_ENTITY"];
                /** @description If-Match is missing. */
                428: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        trace?: never;
    };
    "/v1/webhooks/{endpoint_id}/secret": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                endpoint_id: string;
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Make a new signing secret (`whsec_…`), shown only in this answer. Until
         *     `previous_secret_expires_at` (`WEBHOOK_SECRET_GRACE_HOURS`, 24 h by default) the secret
         *     it replaces still signs too: each webhook then carries two `v1,…` signatures in
         *     `webhook-signature`, and a receiver verifies with either secret. Afterwards only the new
         *     one signs.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    endpoint_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["WebhookSecret"];
                    };
                };
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Newest first; filter by status (`failed` shows what gave up after its retries),
         *     channel, event type, kind, recipient or webhook endpoint.
         */
        get: {
            parameters: {
                query?: {
                    /** @description Rows per page (1–200). */
                    limit?: number;
                    /** @description `next_cursor` of the previous page. */
                    cursor?: string | null;
                    status?: "held" | "pending" | "delivered" | "failed" | "digested" | "cancelled";
                    channel?: "email" | "webhook" | "inbox";
                    event_type?: "case.idle" | "case.opened" | "import.failed" | "import.finished" | "lifecycle.phase_changed" | "message.dead_lettered" | "referral.received" | "task.due" | "task.overdue";
                    kind?: "single" | "digest";
                    recipient?: string;
                    endpoint_id?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["DeliveryPage"];
                    };
                };
                422: components["responses"]["UNPROCESSABLE_ENTITY"];
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/deliveries/{delivery_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                delivery_id: number;
            };
            cookie?: never;
        };
        /** One delivery and every attempt: when, how long, the status code or error. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    delivery_id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["DeliveryDetail"];
                    };
                };
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/rules": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every rule, on unless an admin switched it off. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Rule"][];
                    };
                };
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/rules/{event_type}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                event_type: string;
            };
            cookie?: never;
        };
        /** One rule, with its version as the `ETag`. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    event_type: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Rule"];
                    };
                };
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        /**
         * Switch a rule off (`enabled: false`) or on, with `If-Match` naming the version read
         *     (`"0"` for a rule never switched); events that arrive while it is off tell no one and
         *     are not told later.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    event_type: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["RuleIn"];
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Rule"];
                    };
                };
                /** @description The rule was switched since you read it. */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                422: components["responses"]["UNPROCESSABLE_ENTITY"];
                /** @description If-Match is missing. */
                428: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/dead-letters": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Newest first; `queue` (the link of a `message_dead_lettered` notification names it)
         *     and `state` (`waiting`, `replayed`, `discarded`) filter.
         */
        get: {
            parameters: {
                query?: {
                    /** @description Rows per page (1–200). */
                    limit?: number;
                    /** @description `next_cursor` of the previous page. */
                    cursor?: string | null;
                    /** @description Only this queue's. */
                    queue?: string;
                    state?: "waiting" | "replayed" | "discarded";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["DeadLetterPage"];
                    };
                };
                422: components["responses"]["UNPROCESSABLE_ENTITY"];
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/dead-letters/queues": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Each queue with dead letters: how many wait, were replayed, were discarded, and how
         *     many messages its dead-letter queue holds now.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["DeadLetterQueue"][];
                    };
                };
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/dead-letters/replay": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Every waiting dead letter of the queue back to it, in one pass over its dead-letter
         *     queue (the messages keep their order).
         */
        post: {
            parameters: {
                query: {
                    queue: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Replayed"];
                    };
                };
                /** @description The queue refused a message, or another admin is busy. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                422: components["responses"]["UNPROCESSABLE_ENTITY"];
                /** @description The broker is not answering. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/dead-letters/{dead_letter_id}/replay": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                dead_letter_id: number;
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * The message back to its consumer's queue (published with confirms, then taken out
         *     of the dead-letter queue).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    dead_letter_id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["DeadLetter"];
                    };
                };
                /** @description Replayed or discarded already, no longer in the dead-letter queue, or refused by its queue. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description The broker is not answering. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/dead-letters/{dead_letter_id}/discard": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                dead_letter_id: number;
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * The message out of the dead-letter queue for good (the dead letter stays listed,
         *     `discarded`).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    dead_letter_id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["DeadLetter"];
                    };
                };
                /** @description Replayed or discarded already. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description The broker is not answering. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        _FieldError: {
            /** @description The field, as a JSON pointer (`#/a/0/b`). */
            pointer?: string;
            /** @description The path or query parameter. */
            parameter?: string;
            /** @description The request header. */
            header?: string;
            detail?: string;
        };
        Problem: {
            /** @description A URI naming the kind of problem. */
            type?: string;
            title?: string;
            status?: number;
            detail?: string;
            /** @description The request's path. */
            instance?: string;
            request_id?: string | null;
            /** @description Every field at fault. */
            errors?: components["schemas"]["_FieldError"][];
        };
        PaginationMetadata: {
            /** @description Total number of items. */
            total?: number;
            /** @description Total number of pages. */
            total_pages?: number;
            /** @description First available page number. */
            first_page?: number;
            /** @description Last available page number. */
            last_page?: number;
            /** @description Current page number. */
            page?: number;
            /** @description Previous page number. */
            previous_page?: number;
            /** @description Next page number. */
            next_page?: number;
        };
        DigestItem: {
            kind?: string;
            title?: string;
            link?: string;
        };
        Notification: {
            id?: number;
            /** @description The rule's message, or `digest`. */
            kind?: string;
            event_type?: string | null;
            /** @description In the reader's language. */
            title?: string;
            text?: string;
            /** @description Where in the web UI it happened. */
            link?: string;
            /** Format: date-time */
            created_at?: string;
            read?: boolean;
            /** Format: date-time */
            read_at?: string | null;
            /** @description A digest's notifications (empty for the others). */
            items?: components["schemas"]["DigestItem"][];
        };
        NotificationPage: {
            items: components["schemas"]["Notification"][];
            /** @description Absent on the last page. */
            next_cursor?: string | null;
        };
        Unread: {
            unread?: number;
        };
        MarkAllIn: {
            /** @description The newest notification seen: later ones stay unread. */
            up_to?: number;
        };
        Marked: {
            marked?: number;
        };
        Preferences: {
            /** @enum {string} */
            inbox: "immediate" | "digest" | "off";
            /** @enum {string} */
            email: "immediate" | "digest" | "off";
            /**
             * @default null
             * @enum {string|null}
             */
            language: "fi" | "sv" | "en" | null;
            readonly version?: number;
        };
        PreferencesIn: {
            /** @enum {string} */
            inbox: "immediate" | "digest" | "off";
            /** @enum {string} */
            email: "immediate" | "digest" | "off";
            /**
             * @default null
             * @enum {string|null}
             */
            language: "fi" | "sv" | "en" | null;
        };
        Recipient: {
            /** @default null */
            email: string | null;
            /**
             * @default fi
             * @enum {string}
             */
            language: "fi" | "sv" | "en";
            /** @enum {string} */
            role: "admin" | "coordinator" | "pilot_lead" | "pilot_worker" | "integration";
            /** @default null */
            organisation: string | null;
            /** @default true */
            active: boolean;
            readonly subject?: string;
            readonly version?: number;
            /** Format: date-time */
            readonly created_at?: string;
            /** Format: date-time */
            readonly updated_at?: string;
        };
        RecipientPage: {
            items: components["schemas"]["Recipient"][];
            /** @description Absent on the last page. */
            next_cursor?: string | null;
        };
        RecipientIn: {
            /** @default null */
            email: string | null;
            /**
             * @default fi
             * @enum {string}
             */
            language: "fi" | "sv" | "en";
            /** @enum {string} */
            role: "admin" | "coordinator" | "pilot_lead" | "pilot_worker" | "integration";
            /** @default null */
            organisation: string | null;
            /** @default true */
            active: boolean;
        };
        Contact: {
            email: string;
            /**
             * @default fi
             * @enum {string}
             */
            language: "fi" | "sv" | "en";
            readonly organisation?: string;
            readonly version?: number;
            /** Format: date-time */
            readonly updated_at?: string;
        };
        ContactIn: {
            email: string;
            /**
             * @default fi
             * @enum {string}
             */
            language: "fi" | "sv" | "en";
        };
        Webhook: {
            id?: string;
            organisation?: string;
            url?: string;
            event_types?: string[];
            description?: string | null;
            created_by?: string;
            /** Format: date-time */
            created_at?: string;
            /** Format: date-time */
            updated_at?: string;
            /** @description The `ETag` a change must name. */
            version?: number;
            /**
             * Format: date-time
             * @description When the current signing secret was made.
             */
            secret_created_at?: string;
            /**
             * Format: date-time
             * @description Until when a secret replaced by a rotation still signs beside the current one (none: only the current one signs).
             */
            previous_secret_expires_at?: string | null;
        };
        WebhookPage: {
            items: components["schemas"]["Webhook"][];
            /** @description Absent on the last page. */
            next_cursor?: string | null;
        };
        WebhookIn: {
            /** @description Required for admins; an integration registers its own. */
            organisation?: string;
            /** @description An https (or http) URL at a public address. */
            url: string;
            event_types: ("case.idle" | "case.opened" | "import.failed" | "import.finished" | "lifecycle.phase_changed" | "referral.received" | "task.due" | "task.overdue")[];
            description?: string | null;
        };
        WebhookSecret: {
            id?: string;
            organisation?: string;
            url?: string;
            event_types?: string[];
            description?: string | null;
            created_by?: string;
            /** Format: date-time */
            created_at?: string;
            /** Format: date-time */
            updated_at?: string;
            /** @description The `ETag` a change must name. */
            version?: number;
            /**
             * Format: date-time
             * @description When the current signing secret was made.
             */
            secret_created_at?: string;
            /**
             * Format: date-time
             * @description Until when a secret replaced by a rotation still signs beside the current one (none: only the current one signs).
             */
            previous_secret_expires_at?: string | null;
            /** @description The Standard Webhooks signing secret (`whsec_…`). Shown only now. */
            secret?: string;
        };
        WebhookChangeIn: {
            /** @description An https (or http) URL at a public address. */
            url?: string;
            event_types?: ("case.idle" | "case.opened" | "import.failed" | "import.finished" | "lifecycle.phase_changed" | "referral.received" | "task.due" | "task.overdue")[];
            description?: string | null;
        };
        Delivery: {
            id?: number;
            channel?: string;
            kind?: string;
            status?: string;
            event_id?: string | null;
            event_type?: string | null;
            recipient?: string | null;
            destination?: string;
            endpoint_id?: string | null;
            attempts?: number;
            /** Format: date-time */
            first_attempt_at?: string | null;
            /** Format: date-time */
            next_attempt_at?: string | null;
            /** Format: date-time */
            delivered_at?: string | null;
            last_error?: string | null;
            /** Format: date-time */
            created_at?: string;
        };
        DeliveryPage: {
            items: components["schemas"]["Delivery"][];
            /** @description Absent on the last page. */
            next_cursor?: string | null;
        };
        Attempt: {
            attempt?: number;
            /** Format: date-time */
            started_at?: string;
            duration_ms?: number;
            outcome?: string;
            status_code?: number | null;
            error?: string | null;
        };
        DeliveryDetail: {
            id?: number;
            channel?: string;
            kind?: string;
            status?: string;
            event_id?: string | null;
            event_type?: string | null;
            recipient?: string | null;
            destination?: string;
            endpoint_id?: string | null;
            attempts?: number;
            /** Format: date-time */
            first_attempt_at?: string | null;
            /** Format: date-time */
            next_attempt_at?: string | null;
            /** Format: date-time */
            delivered_at?: string | null;
            last_error?: string | null;
            /** Format: date-time */
            created_at?: string;
            attempt_log?: components["schemas"]["Attempt"][];
        };
        Rule: {
            event_type?: string;
            description?: string;
            template?: string;
            enabled?: boolean;
            /** @description Whether webhooks may subscribe to it. */
            webhooks?: boolean;
            /** @description 0 until first switched; send it as If-Match to switch it. */
            version?: number;
            updated_by?: string | null;
            /** Format: date-time */
            updated_at?: string | null;
        };
        RuleIn: {
            enabled: boolean;
        };
        DeadLetter: {
            id?: number;
            /** @description The consumer's queue it was dead-lettered from. */
            queue?: string;
            /** @description Empty: the message is no readable CloudEvent. */
            event_types?: string[];
            /** @description The ids of its events (at most 100). */
            event_ids?: string[];
            /** @description How many events it carries. */
            event_count?: number;
            /** @description The broker's latest reason: `rejected` or `delivery_limit`. */
            reason?: string;
            /** @description How many times it was dead-lettered. */
            death_count?: number;
            /** Format: date-time */
            first_dead_at?: string;
            /** Format: date-time */
            last_dead_at?: string;
            /** @description `waiting` in the dead-letter queue, `replayed` to its queue, or `discarded`. */
            state?: string;
            /** @description How many times it was replayed. */
            replays?: number;
            /** @description The admin who last replayed or discarded it. */
            handled_by?: string | null;
            /** Format: date-time */
            handled_at?: string | null;
        };
        DeadLetterPage: {
            items: components["schemas"]["DeadLetter"][];
            /** @description Absent on the last page. */
            next_cursor?: string | null;
        };
        DeadLetterQueue: {
            queue?: string;
            waiting?: number;
            replayed?: number;
            discarded?: number;
            /** Format: date-time */
            last_dead_at?: string;
            /** @description Messages in its dead-letter queue now (none: the broker did not say); more than `waiting` if some died before the watcher recorded them. */
            messages?: number | null;
        };
        Replayed: {
            queue?: string;
            /** @description Messages moved back to the queue. */
            replayed?: number;
            /** @description Dead letters of the queue still waiting (not found in it). */
            still_waiting?: number;
        };
    };
    responses: {
        /** @description Unprocessable Entity */
        UNPROCESSABLE_ENTITY: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Default error response */
        DEFAULT_ERROR: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
