// Generated from web/openapi/intake.json by scripts/api-types.mjs (make web-api): do not edit.
export interface paths {
    "/v1/referrals": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Refer young people to a pilot */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Replaying a request with the same key returns the first answer. */
                    "Idempotency-Key"?: string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["Referral"] | components["schemas"]["Referral"][];
                };
            };
            responses: {
                /** @description A list: each item's outcome. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BatchResult"];
                    };
                };
                /** @description One item, accepted. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description One item, rejected; or the list itself is invalid. */
                422: {
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
    "/v1/participations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Record that young people took part in (or missed) an activity */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Replaying a request with the same key returns the first answer. */
                    "Idempotency-Key"?: string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["Participation"] | components["schemas"]["Participation"][];
                };
            };
            responses: {
                /** @description A list: each item's outcome. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BatchResult"];
                    };
                };
                /** @description One item, accepted. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description One item, rejected; or the list itself is invalid. */
                422: {
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
    "/v1/outcomes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Record outcome measurements */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Replaying a request with the same key returns the first answer. */
                    "Idempotency-Key"?: string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["Outcome"] | components["schemas"]["Outcome"][];
                };
            };
            responses: {
                /** @description A list: each item's outcome. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BatchResult"];
                    };
                };
                /** @description One item, accepted. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description One item, rejected; or the list itself is invalid. */
                422: {
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
    "/v1/events/{event_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                event_id: string;
            };
            cookie?: never;
        };
        /** The state of an accepted event: stored, or published (confirmed by the broker). */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    event_id: string;
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
                        "application/json": components["schemas"]["EventState"];
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
    "/v1/imports": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Upload a file; it is processed in the background. Rows are checked like API items. */
        post: {
            parameters: {
                query: {
                    /** @description What each row is. */
                    kind: "referral" | "participation" | "outcome";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "text/csv": string;
                    "application/x-ndjson": string;
                    "application/ndjson": string;
                };
            };
            responses: {
                /** @description Accepted */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ImportJob"];
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
    "/v1/imports/{job_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                job_id: string;
            };
            cookie?: never;
        };
        /** Progress: rows read, accepted, duplicates, rejected. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    job_id: string;
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
                        "application/json": components["schemas"]["ImportJob"];
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
    "/v1/imports/{job_id}/errors": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                job_id: string;
            };
            cookie?: never;
        };
        /** The rejected rows as CSV: row number, field and message (never the row's values). */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    job_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description row,field,message */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/csv": string;
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
    "/v1/imports/{job_id}/results": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                job_id: string;
            };
            cookie?: never;
        };
        /**
         * What became of each row, as CSV: row number, source system and source id, outcome
         *     (accepted, duplicate, rejected), the event it became (a duplicate: the stored event), and
         *     for a rejected row one line per error with its field and message — never the row's
         *     values (a rejected row's source pair only if it is valid). ``outcome`` keeps one kind.
         */
        get: {
            parameters: {
                query?: {
                    /** @description Only the rows of this outcome. */
                    outcome?: "accepted" | "duplicate" | "rejected";
                };
                header?: never;
                path: {
                    job_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description row,source_system,source_id,outcome,event_id,field,message */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/csv": string;
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
    "/v1/case-lookups": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Find a young person's open cases among your pilots (admins: all), newest first. The
         *     same 404 whether the young person is unknown or only in other pilots.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Why the data is processed; written to the audit log. */
                    "X-Purpose"?: "case_work" | "supervision" | "client_request" | "data_protection_audit";
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["CaseLookup"];
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["CaseLookupResult"];
                    };
                };
                /** @description No case of this young person among your pilots. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
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
    "/v1/activities/{activity_id}/sessions": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                activity_id: string;
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Record a session's attendance register: one participation per case, once per
         *     (activity, start, case); a changed mark is a new participation correcting the earlier
         *     one. Every case must be an open case of the activity's pilot, or nothing is recorded.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Why the data is processed; written to the audit log. */
                    "X-Purpose"?: "case_work" | "supervision" | "client_request" | "data_protection_audit";
                };
                path: {
                    activity_id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["Register"];
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["RegisterResult"];
                    };
                };
                /** @description Not an activity of your pilots. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No such activity. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
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
    "/v1/activities/{activity_id}/sessions/{starts_at}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                activity_id: string;
                starts_at: string;
            };
            cookie?: never;
        };
        /**
         * The session's register as it stands: each case's current mark. ``starts_at`` is
         *     the session's start with its zone (``2026-10-01T13:00:00Z``).
         */
        get: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Why the data is processed; written to the audit log. */
                    "X-Purpose"?: "case_work" | "supervision" | "client_request" | "data_protection_audit";
                };
                path: {
                    activity_id: string;
                    starts_at: string;
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
                        "application/json": components["schemas"]["RegisterView"];
                    };
                };
                /** @description Not an activity of your pilots. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No such activity, or no register of this session. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description The start is not a date-time with a zone. */
                422: {
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
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/access-report": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Who looked these cases up, recorded or read their attendance or recorded by case in
         *     intake: when, in what role, for what purpose. Admins, with `X-Purpose: client_request`
         *     (or `data_protection_audit`); itself audited. `Accept: text/csv` gives a printable CSV.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Why the data is processed; written to the audit log. */
                    "X-Purpose"?: "case_work" | "supervision" | "client_request" | "data_protection_audit";
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["AccessReportIn"];
                };
            };
            responses: {
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/csv": string;
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
        ItemResult: {
            /** @description Position in the submitted list. */
            index?: number;
            /** @enum {string} */
            status?: "accepted" | "duplicate" | "rejected";
            /** @description The event's id; for a duplicate, the original's. */
            event_id?: string;
            /** @description RFC 9457-style field errors. */
            errors?: {
                [key: string]: unknown;
            }[];
        };
        BatchResult: {
            accepted?: number;
            duplicates?: number;
            rejected?: number;
            results?: components["schemas"]["ItemResult"][];
        };
        EventState: {
            id?: string;
            kind?: string;
            pilot_id?: string;
            source_system?: string;
            /** @enum {string} */
            state?: "stored" | "published";
            /** Format: date-time */
            received_at?: string;
            /** Format: date-time */
            published_at?: string | null;
        };
        ImportJob: {
            id?: string;
            kind?: string;
            format?: string;
            /** @description queued, running, finished or failed */
            status?: string;
            bytes?: number;
            rows_read?: number;
            accepted?: number;
            duplicates?: number;
            rejected?: number;
            failure?: string | null;
            /** Format: date-time */
            created_at?: string;
            /** Format: date-time */
            finished_at?: string | null;
        };
        ClientNumber: {
            client_system: string;
            /** @description The client number in client_system; never stored. */
            client_id: string;
        };
        CaseLookup: {
            /** @description Henkilötunnus; pseudonymised to look up, never stored. */
            identity_code?: string;
            client_number?: components["schemas"]["ClientNumber"];
        };
        FoundCase: {
            case_id?: string;
            /** @description The short code, e.g. K7QM-3XPD. */
            case_code?: string;
            pilot_id?: string;
            /** Format: date-time */
            opened_at?: string;
            /** @description The young person's earlier episode. */
            previous_case_id?: string | null;
            /**
             * Format: date-time
             * @description When it was closed or declined: no item may name it any more.
             */
            ended_at?: string | null;
        };
        CaseLookupResult: {
            /** @description Newest first. */
            cases?: components["schemas"]["FoundCase"][];
        };
        RegisterEntry: {
            /** @description An open case of the activity's pilot. */
            case_id: string;
            /** @enum {string} */
            attendance: "attended" | "absent" | "cancelled";
        };
        Register: {
            /**
             * Format: date-time
             * @description When the session started, with its zone (ISO 8601).
             */
            starts_at: string;
            duration_minutes: number;
            /**
             * @description As participations take it; by default from the activity's type.
             * @enum {string}
             */
            kind?: "service" | "culture" | "sports" | "guided_leisure" | "co_development" | "feedback" | "being_heard";
            attendance: components["schemas"]["RegisterEntry"][];
        };
        EntryResult: {
            /** @description Position in the register's attendance. */
            index?: number;
            case_id?: string;
            /** @enum {string} */
            status?: "accepted" | "corrected" | "duplicate";
            /** @description The participation recording the mark (for a duplicate, the one recorded earlier). */
            event_id?: string;
            /** @description For a correction: the earlier participation it corrects. */
            corrects?: string;
        };
        RegisterResult: {
            activity_id?: string;
            /** Format: date-time */
            starts_at?: string;
            accepted?: number;
            corrected?: number;
            duplicates?: number;
            results?: components["schemas"]["EntryResult"][];
        };
        Mark: {
            case_id?: string;
            attendance?: string;
            event_id?: string;
        };
        RegisterView: {
            activity_id?: string;
            /** Format: date-time */
            starts_at?: string;
            pilot_id?: string;
            duration_minutes?: number;
            kind?: string;
            /** Format: date-time */
            updated_at?: string;
            /** @description By case id. */
            attendance?: components["schemas"]["Mark"][];
        };
        AccessReportIn: {
            /** @description The young person's cases (POST /v1/case-lookups finds them). */
            case_ids: string[];
        };
        AccessEntry: {
            /** Format: date-time */
            at?: string;
            subject?: string;
            role?: string;
            organisation?: string | null;
            action?: string;
            purpose?: string;
            case_ids?: string[];
        };
        AccessReport: {
            entries?: components["schemas"]["AccessEntry"][];
        };
        Referral: {
            /** @description The sending system, e.g. apotti-hus. */
            source_system: string;
            /** @description The item's id in the sending system; a replay with the same pair is a duplicate. */
            source_id: string;
            pilot_id: string;
            /** @description Henkilötunnus; replaced by a keyed pseudonym, never stored. */
            personal_identity_code?: string;
            client_system?: string;
            /** @description The client number in client_system; replaced by a keyed pseudonym, never stored. */
            client_id?: string;
            /** Format: date */
            birth_date?: string;
            birth_year_month?: string;
            /** @enum {string} */
            gender: "female" | "male" | "non_binary" | "unknown";
            /**
             * @description Region code (01–21, 90 Helsinki, 91 Åland).
             * @enum {string}
             */
            home_region: "01" | "02" | "03" | "04" | "05" | "06" | "07" | "08" | "09" | "10" | "11" | "12" | "13" | "14" | "15" | "16" | "17" | "18" | "19" | "20" | "21" | "90" | "91";
            /** @enum {string} */
            referring_organisation_type: "child_welfare" | "school" | "health_care" | "youth_services" | "police" | "state_reform_school" | "ngo" | "family" | "self" | "other";
            /** @enum {string} */
            reason: "family_situation" | "mental_health" | "substance_use" | "school_attendance" | "crime_or_risk_of_crime" | "aftercare" | "placement" | "other";
            /** Format: date */
            referred_on: string;
        };
        Participation: {
            /** @description The sending system, e.g. apotti-hus. */
            source_system: string;
            /** @description The item's id in the sending system; a replay with the same pair is a duplicate. */
            source_id: string;
            pilot_id: string;
            /** @description Henkilötunnus; replaced by a keyed pseudonym, never stored. */
            personal_identity_code?: string;
            client_system?: string;
            /** @description The client number in client_system; replaced by a keyed pseudonym, never stored. */
            client_id?: string;
            /** @description An open case of the item's pilot, instead of personal_identity_code or client_system with client_id. */
            case_id?: string;
            activity_id: string;
            /** Format: date-time */
            occurred_at: string;
            duration_minutes?: number;
            /** @enum {string} */
            attendance: "attended" | "absent" | "cancelled";
            /** @enum {string} */
            kind: "service" | "culture" | "sports" | "guided_leisure" | "co_development" | "feedback" | "being_heard";
        };
        Outcome: {
            /** @description The sending system, e.g. apotti-hus. */
            source_system: string;
            /** @description The item's id in the sending system; a replay with the same pair is a duplicate. */
            source_id: string;
            pilot_id: string;
            /** @description Henkilötunnus; replaced by a keyed pseudonym, never stored. */
            personal_identity_code?: string;
            client_system?: string;
            /** @description The client number in client_system; replaced by a keyed pseudonym, never stored. */
            client_id?: string;
            /** @description An open case of the item's pilot, instead of personal_identity_code or client_system with client_id. */
            case_id?: string;
            /** @description A code of the instrument catalogue. */
            instrument: string;
            value: number;
            /** @enum {string} */
            time_point: "baseline" | "interim" | "follow_up";
            /** Format: date */
            measured_on: string;
        };
    };
    responses: {
        /** @description Default error response */
        DEFAULT_ERROR: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Unprocessable Entity */
        UNPROCESSABLE_ENTITY: {
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
