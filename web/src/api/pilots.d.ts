// Generated from web/openapi/pilots.json by scripts/api-types.mjs (make web-api): do not edit.
export interface paths {
    "/v1/regions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The 21 wellbeing services counties, the City of Helsinki and Åland. */
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
                        "application/json": components["schemas"]["Region"][];
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
    "/v1/organisations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Organisations, by id; filter by type or region. */
        get: {
            parameters: {
                query?: {
                    /** @description Rows per page (1–200). */
                    limit?: number;
                    /** @description `next_cursor` of the previous page. */
                    cursor?: string | null;
                    type?: "wellbeing_services_county" | "municipality" | "state_reform_school" | "ngo" | "research_or_education" | "company" | "other";
                    region?: "01" | "02" | "03" | "04" | "05" | "06" | "07" | "08" | "09" | "10" | "11" | "12" | "13" | "14" | "15" | "16" | "17" | "18" | "19" | "20" | "21" | "90" | "91";
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
                        "application/json": components["schemas"]["OrganisationPage"];
                    };
                };
                422: components["responses"]["UNPROCESSABLE_ENTITY"];
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        put?: never;
        /** Register an organisation (admins). */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["OrganisationIn"];
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Organisation"];
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
    "/v1/organisations/{organisation_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                organisation_id: string;
            };
            cookie?: never;
        };
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    organisation_id: string;
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
                        "application/json": components["schemas"]["Organisation"];
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
        /** Change an organisation (admins); send `If-Match` with its ETag. */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    organisation_id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["OrganisationPatch"];
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Organisation"];
                    };
                };
                /** @description The organisation changed since you read it. */
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
    "/v1/instruments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The outcome instruments, by code. */
        get: {
            parameters: {
                query?: {
                    /** @description Rows per page (1–200). */
                    limit?: number;
                    /** @description `next_cursor` of the previous page. */
                    cursor?: string | null;
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
                        "application/json": components["schemas"]["InstrumentPage"];
                    };
                };
                422: components["responses"]["UNPROCESSABLE_ENTITY"];
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        put?: never;
        /** Add an instrument to the catalogue (admins); intake accepts outcomes for it. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["InstrumentIn"];
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Instrument"];
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
    "/v1/instruments/{code}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                code: string;
            };
            cookie?: never;
        };
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    code: string;
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
                        "application/json": components["schemas"]["Instrument"];
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
        /** Change an instrument (admins); send `If-Match` with its ETag. */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    code: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["InstrumentPatch"];
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Instrument"];
                    };
                };
                /** @description The instrument changed since you read it. */
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
    "/v1/pilots": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Pilots, by id; filter by region, lifecycle phase, organisation (lead or partner) or
         *     whether they are active.
         */
        get: {
            parameters: {
                query?: {
                    /** @description Rows per page (1–200). */
                    limit?: number;
                    /** @description `next_cursor` of the previous page. */
                    cursor?: string | null;
                    region?: "01" | "02" | "03" | "04" | "05" | "06" | "07" | "08" | "09" | "10" | "11" | "12" | "13" | "14" | "15" | "16" | "17" | "18" | "19" | "20" | "21" | "90" | "91";
                    phase?: "idea" | "piloting" | "evaluation" | "modelling" | "dissemination" | "mainstreamed" | "discontinued";
                    /** @description Lead or partner organisation. */
                    organisation?: string;
                    active?: boolean;
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
                        "application/json": components["schemas"]["PilotPage"];
                    };
                };
                422: components["responses"]["UNPROCESSABLE_ENTITY"];
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        put?: never;
        /** Create a pilot (admins). It starts in the lifecycle phase `idea`. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["PilotIn"];
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Pilot"];
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
    "/v1/pilots/{pilot_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                pilot_id: string;
            };
            cookie?: never;
        };
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    pilot_id: string;
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
                        "application/json": components["schemas"]["Pilot"];
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
        /**
         * Change a pilot (admins, and the pilot's leads); send `If-Match` with its ETag. Lists
         *     (partners, regions, members) are replaced whole.
         */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    pilot_id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["PilotPatch"];
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Pilot"];
                    };
                };
                /** @description The pilot changed since you read it. */
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
    "/v1/pilots/{pilot_id}/lifecycle": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                pilot_id: string;
            };
            cookie?: never;
        };
        /** The innovation's phase, the phases it may move to, its dated history and evidence. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    pilot_id: string;
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
                        "application/json": components["schemas"]["Lifecycle"];
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
    "/v1/pilots/{pilot_id}/lifecycle/changes": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                pilot_id: string;
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Move the innovation to its next phase, or end it (`discontinued`); dated, with a
         *     reason. Publishes `lifecycle.phase_changed`.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    pilot_id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["PhaseChangeIn"];
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PhaseChange"];
                    };
                };
                /** @description The lifecycle does not allow this change. */
                409: {
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
    "/v1/pilots/{pilot_id}/evidence": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                pilot_id: string;
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Record what was learnt, an evaluation result, or where the model is described. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    pilot_id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["EvidenceIn"];
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Evidence"];
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
    "/v1/activities": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Activities, by id; filter by pilot, type, worker, start time or whether active. */
        get: {
            parameters: {
                query?: {
                    /** @description Rows per page (1–200). */
                    limit?: number;
                    /** @description `next_cursor` of the previous page. */
                    cursor?: string | null;
                    pilot?: string;
                    activity_type?: "individual_support" | "group" | "family_work" | "culture" | "sports" | "guided_leisure" | "peer_support" | "co_development" | "parent_education_or_employment" | "other";
                    worker?: string;
                    /** @description Starting at or after. */
                    starts_from?: string;
                    starts_before?: string;
                    active?: boolean;
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
                        "application/json": components["schemas"]["ActivityPage"];
                    };
                };
                422: components["responses"]["UNPROCESSABLE_ENTITY"];
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        put?: never;
        /** Add an activity to a pilot (admins, and the pilot's leads). */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ActivityIn"];
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Activity"];
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
    "/v1/activities/{activity_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                activity_id: string;
            };
            cookie?: never;
        };
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    activity_id: string;
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
                        "application/json": components["schemas"]["Activity"];
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
        /** Change an activity (admins, and its pilot's leads); send `If-Match` with its ETag. */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    activity_id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ActivityPatch"];
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Activity"];
                    };
                };
                /** @description The activity changed since you read it. */
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
    "/v1/cases": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The caller's pilots' cases; filter by pilot, state, responsible worker (`me`), idle,
         *     activity, referral date or earlier episode (a case code: `POST /v1/cases/by-code`). Each case listed is written to
         *     the audit log.
         */
        get: {
            parameters: {
                query?: {
                    /** @description Rows per page (1–200). */
                    limit?: number;
                    /** @description `next_cursor` of the previous page. */
                    cursor?: string | null;
                    pilot?: string;
                    state?: "referred" | "enrolled" | "active" | "paused" | "follow_up" | "closed" | "declined";
                    /** @description Responsible worker (as `responsible`). */
                    worker?: string;
                    /** @description Responsible worker; `me` is the caller. */
                    responsible?: string;
                    /** @description true: only the cases idle now (quiet for the pilot's idle days). */
                    idle?: boolean;
                    /** @description true: not closed or declined; false: final. */
                    open?: boolean;
                    /** @description Later episodes of this case. */
                    previous_case?: string;
                    /** @description Took part in (or missed) this activity. */
                    activity?: string;
                    referred_from?: string;
                    /** @description Referred on or before this day. */
                    referred_to?: string;
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
                        "application/json": components["schemas"]["CasePage"];
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
    "/v1/cases/by-code": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * The case with this case code among the caller's pilots (404 otherwise). In a body,
         *     so that the code stays out of URLs and access logs.
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
                    "application/json": components["schemas"]["CaseCodeIn"];
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Case"];
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
    "/v1/cases/access-report": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * The right of access (GDPR Art. 15; Act 703/2023 §11): for each of a young person's
         *     cases, who read or changed it, when, in what role and for what purpose. Admins only,
         *     with `X-Purpose: client_request` (or `data_protection_audit`); the report is itself
         *     audited. `Accept: text/csv` gives a printable CSV.
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
    "/v1/cases/{case_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                case_id: string;
            };
            cookie?: never;
        };
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    case_id: string;
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
                        "application/json": components["schemas"]["Case"];
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
        /** Name the responsible worker; send `If-Match` with the case's ETag. */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    case_id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["CasePatch"];
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Case"];
                    };
                };
                /** @description The case changed since you read it. */
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
    "/v1/cases/{case_id}/transitions": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                case_id: string;
            };
            cookie?: never;
        };
        /** Every move of the case: from, to, why, who and when. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    case_id: string;
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
                        "application/json": components["schemas"]["Transition"][];
                    };
                };
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        put?: never;
        /**
         * Move the case; the workflow allows only its defined transitions (409 otherwise).
         *     Publishes `case.transitioned`.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    case_id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["TransitionIn"];
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Case"];
                    };
                };
                /** @description The workflow does not allow this move. */
                409: {
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
    "/v1/cases/{case_id}/timeline": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                case_id: string;
            };
            cookie?: never;
        };
        /**
         * Referral, participations, outcomes and the case's own moves, in time order — for a
         *     later episode, from its referral on.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    case_id: string;
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
                        "application/json": components["schemas"]["TimelineEntry"][];
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
    "/v1/cases/{case_id}/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                case_id: string;
            };
            cookie?: never;
        };
        /** The case's tasks, by due date. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    case_id: string;
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
                        "application/json": components["schemas"]["Task"][];
                    };
                };
                default: components["responses"]["DEFAULT_ERROR"];
            };
        };
        put?: never;
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    case_id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["TaskIn"];
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Task"];
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
    "/v1/cases/{case_id}/tasks/{task_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                case_id: string;
                task_id: string;
            };
            cookie?: never;
        };
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    case_id: string;
                    task_id: string;
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
                        "application/json": components["schemas"]["Task"];
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
        /** Change a task or mark it done; send `If-Match` with its ETag. */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    case_id: string;
                    task_id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["TaskPatch"];
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Task"];
                    };
                };
                /** @description The task changed since you read it. */
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
    "/v1/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Tasks of the caller's pilots' cases, by due date; filter by assignee (`me`), pilot,
         *     due today, due on a day, overdue, open.
         */
        get: {
            parameters: {
                query?: {
                    /** @description Rows per page (1–200). */
                    limit?: number;
                    /** @description `next_cursor` of the previous page. */
                    cursor?: string | null;
                    /** @description The assignee; `me` is the caller. */
                    assigned?: string;
                    pilot?: string;
                    /** @description `today`: open tasks due today (Helsinki time). */
                    due?: "today";
                    /** @description Open tasks due on this day. */
                    due_on?: string;
                    /** @description true: open tasks past their due date. */
                    overdue?: boolean;
                    /** @description true: not done; false: done. */
                    open?: boolean;
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
                        "application/json": components["schemas"]["TaskPage"];
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
    "/v1/my-work": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The caller's dashboard: tasks due today, overdue and open, idle cases they are
         *     responsible for, new referrals to their pilots, their open cases.
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
                        "application/json": components["schemas"]["MyWork"];
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
    "/v1/aggregates/tables": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The published tables and their dimensions. */
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
                        "application/json": components["schemas"]["TableInfo"][];
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
    "/v1/aggregates/indicators": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The ESF+ participant indicators (Regulation (EU) 2021/1057, Annex I) that this data
         *     supports — participants in total, women, men, non-binary, below 18, aged 18–29 — per
         *     pilot and for the whole programme, under the same disclosure control.
         */
        get: {
            parameters: {
                query: {
                    /** @description A month (2026-07), a quarter (2026-Q3) or a year (2026). */
                    period: string;
                    pilot?: string;
                    region?: "01" | "02" | "03" | "04" | "05" | "06" | "07" | "08" | "09" | "10" | "11" | "12" | "13" | "14" | "15" | "16" | "17" | "18" | "19" | "20" | "21" | "90" | "91";
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
                        "application/json": components["schemas"]["IndicatorsResult"];
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
    "/v1/aggregates/{table_name}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                table_name: string;
            };
            cookie?: never;
        };
        /**
         * One published table for a period, optionally for one pilot or region: every cell with
         *     its value or a suppression marker and reason; row, column and grand totals included.
         */
        get: {
            parameters: {
                query: {
                    /** @description A month (2026-07), a quarter (2026-Q3) or a year (2026). */
                    period: string;
                    pilot?: string;
                    region?: "01" | "02" | "03" | "04" | "05" | "06" | "07" | "08" | "09" | "10" | "11" | "12" | "13" | "14" | "15" | "16" | "17" | "18" | "19" | "20" | "21" | "90" | "91";
                };
                header?: never;
                path: {
                    table_name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The same as CSV with `Accept: text/csv`. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["TableResult"];
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
        Region: {
            /** @description 01–21 counties, 90 Helsinki, 91 Åland. */
            code?: string;
            kind?: string;
            name_fi?: string;
            name_sv?: string;
        };
        Organisation: {
            id: string;
            name: string;
            /** @enum {string} */
            type: "wellbeing_services_county" | "municipality" | "state_reform_school" | "ngo" | "research_or_education" | "company" | "other";
            /** @description Y-tunnus (business id). */
            business_id?: string | null;
            /** @enum {string|null} */
            region_code?: "01" | "02" | "03" | "04" | "05" | "06" | "07" | "08" | "09" | "10" | "11" | "12" | "13" | "14" | "15" | "16" | "17" | "18" | "19" | "20" | "21" | "90" | "91" | null;
            readonly version?: number;
            /** Format: date-time */
            readonly created_at?: string;
            /** Format: date-time */
            readonly updated_at?: string;
        };
        OrganisationPage: {
            items: components["schemas"]["Organisation"][];
            /** @description Absent on the last page. */
            next_cursor?: string | null;
        };
        OrganisationIn: {
            id: string;
            name: string;
            /** @enum {string} */
            type: "wellbeing_services_county" | "municipality" | "state_reform_school" | "ngo" | "research_or_education" | "company" | "other";
            /** @description Y-tunnus (business id). */
            business_id?: string | null;
            /** @enum {string|null} */
            region_code?: "01" | "02" | "03" | "04" | "05" | "06" | "07" | "08" | "09" | "10" | "11" | "12" | "13" | "14" | "15" | "16" | "17" | "18" | "19" | "20" | "21" | "90" | "91" | null;
        };
        OrganisationPatch: {
            name?: string;
            /** @enum {string} */
            type?: "wellbeing_services_county" | "municipality" | "state_reform_school" | "ngo" | "research_or_education" | "company" | "other";
            business_id?: string | null;
            /** @enum {string|null} */
            region_code?: "01" | "02" | "03" | "04" | "05" | "06" | "07" | "08" | "09" | "10" | "11" | "12" | "13" | "14" | "15" | "16" | "17" | "18" | "19" | "20" | "21" | "90" | "91" | null;
        };
        Instrument: {
            code?: string;
            name?: string;
            description?: string | null;
            min_value?: number | null;
            max_value?: number | null;
            active?: boolean;
            version?: number;
            /** Format: date-time */
            created_at?: string;
            /** Format: date-time */
            updated_at?: string;
        };
        InstrumentPage: {
            items: components["schemas"]["Instrument"][];
            /** @description Absent on the last page. */
            next_cursor?: string | null;
        };
        InstrumentIn: {
            name: string;
            description?: string | null;
            min_value?: number | null;
            max_value?: number | null;
            /** @default true */
            active: boolean;
            code: string;
        };
        InstrumentPatch: {
            name?: string;
            description?: string | null;
            min_value?: number | null;
            max_value?: number | null;
            /** @default true */
            active: boolean;
        };
        Member: {
            /** @description The user's id in the identity provider (the token's sub). */
            subject: string;
            /** @enum {string} */
            role: "worker" | "lead";
        };
        Pilot: {
            id?: string;
            name_fi?: string;
            name_sv?: string | null;
            name_en?: string | null;
            lead_organisation_id?: string;
            partner_organisation_ids?: string[];
            regions?: string[];
            theme?: string;
            target_group?: string;
            /** Format: date */
            starts_on?: string;
            /** Format: date */
            ends_on?: string | null;
            idle_days?: number;
            members?: components["schemas"]["Member"][];
            active?: boolean;
            /** @description The innovation's lifecycle phase. */
            phase?: string;
            version?: number;
            /** Format: date-time */
            created_at?: string;
            /** Format: date-time */
            updated_at?: string;
        };
        PilotPage: {
            items: components["schemas"]["Pilot"][];
            /** @description Absent on the last page. */
            next_cursor?: string | null;
        };
        PilotIn: {
            name_fi: string;
            name_sv?: string | null;
            name_en?: string | null;
            lead_organisation_id: string;
            partner_organisation_ids?: string[];
            regions: ("01" | "02" | "03" | "04" | "05" | "06" | "07" | "08" | "09" | "10" | "11" | "12" | "13" | "14" | "15" | "16" | "17" | "18" | "19" | "20" | "21" | "90" | "91")[];
            theme: string;
            target_group: string;
            /** Format: date */
            starts_on: string;
            /** Format: date */
            ends_on?: string | null;
            /**
             * @description A case with no activity for this many days is idle.
             * @default 30
             */
            idle_days: number;
            members?: components["schemas"]["Member"][];
            /** @default true */
            active: boolean;
            /** @description The pilot's id, as tokens' `pilots` claims name it. */
            id: string;
        };
        PilotPatch: {
            name_fi?: string;
            name_sv?: string | null;
            name_en?: string | null;
            lead_organisation_id?: string;
            partner_organisation_ids?: string[];
            regions?: ("01" | "02" | "03" | "04" | "05" | "06" | "07" | "08" | "09" | "10" | "11" | "12" | "13" | "14" | "15" | "16" | "17" | "18" | "19" | "20" | "21" | "90" | "91")[];
            theme?: string;
            target_group?: string;
            /** Format: date */
            starts_on?: string;
            /** Format: date */
            ends_on?: string | null;
            /**
             * @description A case with no activity for this many days is idle.
             * @default 30
             */
            idle_days: number;
            members?: components["schemas"]["Member"][];
            /** @default true */
            active: boolean;
        };
        PhaseChange: {
            from_phase?: string | null;
            to_phase?: string;
            /** Format: date */
            changed_on?: string;
            reason?: string;
            changed_by?: string;
            /** Format: date-time */
            recorded_at?: string;
        };
        Evidence: {
            /** @enum {string} */
            kind: "learning" | "evaluation_result" | "model_description";
            title: string;
            description?: string | null;
            /** Format: url */
            url?: string | null;
            /** Format: date */
            recorded_on: string;
            readonly id?: string;
            readonly recorded_by?: string;
            /** Format: date-time */
            readonly recorded_at?: string;
        };
        Lifecycle: {
            pilot_id?: string;
            phase?: string;
            allowed_next?: string[];
            history?: components["schemas"]["PhaseChange"][];
            evidence?: components["schemas"]["Evidence"][];
        };
        PhaseChangeIn: {
            /** @enum {string} */
            to_phase: "idea" | "piloting" | "evaluation" | "modelling" | "dissemination" | "mainstreamed" | "discontinued";
            /** Format: date */
            changed_on: string;
            reason: string;
        };
        EvidenceIn: {
            /** @enum {string} */
            kind: "learning" | "evaluation_result" | "model_description";
            title: string;
            description?: string | null;
            /** Format: url */
            url?: string | null;
            /** Format: date */
            recorded_on: string;
        };
        Activity: {
            id?: string;
            pilot_id?: string;
            name?: string;
            activity_type?: string;
            schedule?: string;
            /** Format: date-time */
            starts_at?: string;
            /** Format: date-time */
            ends_at?: string | null;
            recurrence?: string | null;
            place_type?: string;
            capacity?: number | null;
            workers?: string[];
            active?: boolean;
            version?: number;
            /** Format: date-time */
            created_at?: string;
            /** Format: date-time */
            updated_at?: string;
        };
        ActivityPage: {
            items: components["schemas"]["Activity"][];
            /** @description Absent on the last page. */
            next_cursor?: string | null;
        };
        ActivityIn: {
            name: string;
            /** @enum {string} */
            activity_type: "individual_support" | "group" | "family_work" | "culture" | "sports" | "guided_leisure" | "peer_support" | "co_development" | "parent_education_or_employment" | "other";
            /** @enum {string} */
            schedule: "one_off" | "recurring";
            /** Format: date-time */
            starts_at: string;
            /** Format: date-time */
            ends_at?: string | null;
            /** @enum {string|null} */
            recurrence?: "weekly" | "fortnightly" | "monthly" | null;
            /** @enum {string} */
            place_type: "office" | "school" | "youth_centre" | "home_visit" | "outdoors" | "online" | "other";
            capacity?: number | null;
            workers?: string[];
            /** @default true */
            active: boolean;
            /** @description Optional; generated if not given. */
            id?: string;
            pilot_id: string;
        };
        ActivityPatch: {
            name?: string;
            /** @enum {string} */
            activity_type?: "individual_support" | "group" | "family_work" | "culture" | "sports" | "guided_leisure" | "peer_support" | "co_development" | "parent_education_or_employment" | "other";
            /** @enum {string} */
            schedule?: "one_off" | "recurring";
            /** Format: date-time */
            starts_at?: string;
            /** Format: date-time */
            ends_at?: string | null;
            /** @enum {string|null} */
            recurrence?: "weekly" | "fortnightly" | "monthly" | null;
            /** @enum {string} */
            place_type?: "office" | "school" | "youth_centre" | "home_visit" | "outdoors" | "online" | "other";
            capacity?: number | null;
            workers?: string[];
            /** @default true */
            active: boolean;
        };
        Case: {
            id?: string;
            /** @description The case code, e.g. K7QM-3XPD. */
            code?: string;
            pilot_id?: string;
            /** @description The young person's earlier case (episode). */
            previous_case_id?: string | null;
            state?: string;
            readonly allowed_transitions?: unknown;
            closing_reason?: string | null;
            responsible_worker?: string | null;
            age_band?: string | null;
            gender?: string | null;
            home_region?: string | null;
            /** Format: date */
            referred_on?: string | null;
            /** Format: date-time */
            enrolled_at?: string | null;
            /** Format: date-time */
            last_activity_at?: string;
            version?: number;
            /** Format: date-time */
            created_at?: string;
            /** Format: date-time */
            updated_at?: string;
        };
        CasePage: {
            items: components["schemas"]["Case"][];
            /** @description Absent on the last page. */
            next_cursor?: string | null;
        };
        CaseCodeIn: {
            code: string;
        };
        AccessReportIn: {
            /** @description The young person's cases (intake's case lookup finds them). */
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
        };
        AccessReportCase: {
            case_id?: string;
            code?: string;
            pilot_id?: string;
            entries?: components["schemas"]["AccessEntry"][];
        };
        AccessReport: {
            cases?: components["schemas"]["AccessReportCase"][];
        };
        CasePatch: {
            responsible_worker?: string | null;
        };
        Transition: {
            from_state?: string | null;
            to_state?: string;
            reason?: string;
            closing_reason?: string | null;
            by_subject?: string;
            by_role?: string;
            /** Format: date-time */
            at?: string;
        };
        TransitionIn: {
            /** @enum {string} */
            to_state: "referred" | "enrolled" | "active" | "paused" | "follow_up" | "closed" | "declined";
            reason: string;
            /**
             * @description Required for closed (why it ended) and declined.
             * @enum {string}
             */
            closing_reason?: "client_declined" | "client_withdrew" | "goals_met" | "moved_away" | "no_capacity" | "no_contact" | "not_in_target_group" | "other" | "pilot_ended" | "transferred_to_other_service";
        };
        TimelineEntry: {
            kind?: string;
            /** Format: date-time */
            occurred_at?: string;
            summary?: {
                [key: string]: unknown;
            };
        };
        Task: {
            title: string;
            /** Format: date */
            due_on: string;
            assignee: string;
            readonly id?: string;
            readonly case_id?: string;
            readonly case_code?: string;
            readonly pilot_id?: string;
            readonly done?: boolean;
            /** Format: date-time */
            readonly done_at?: string | null;
            readonly created_by?: string;
            readonly version?: number;
        };
        TaskIn: {
            title: string;
            /** Format: date */
            due_on: string;
            assignee: string;
        };
        TaskPatch: {
            title?: string;
            /** Format: date */
            due_on?: string;
            assignee?: string;
            done?: boolean;
        };
        TaskListItem: {
            title: string;
            /** Format: date */
            due_on: string;
            assignee: string;
            readonly id?: string;
            readonly case_id?: string;
            readonly case_code?: string;
            readonly pilot_id?: string;
            readonly done?: boolean;
            /** Format: date-time */
            readonly done_at?: string | null;
            readonly created_by?: string;
            readonly version?: number;
        };
        TaskPage: {
            items: components["schemas"]["TaskListItem"][];
            /** @description Absent on the last page. */
            next_cursor?: string | null;
        };
        MyWork: {
            /** @description /tasks?assigned=me&due=today */
            tasks_due_today?: number;
            /** @description /tasks?assigned=me&overdue=true */
            tasks_overdue?: number;
            /** @description /tasks?assigned=me&open=true */
            tasks_open?: number;
            /** @description /cases?responsible=me&idle=true */
            idle_cases?: number;
            /** @description /cases?state=referred */
            new_referrals?: number;
            /** @description /cases?responsible=me&open=true */
            responsible_cases?: number;
        };
        TableInfo: {
            name?: string;
            title?: string;
            dimensions?: string[];
        };
        IndicatorsResult: {
            period?: string;
            threshold?: number;
            disclosure_control?: string;
            /** @description Per pilot and for the programme: the indicators of IndicatorRow, each suppressed one with `<name>_suppressed` giving the reason. */
            indicators?: {
                [key: string]: unknown;
            }[];
        };
        Cell: {
            /** @description Each dimension's value; `*` is the total over it. */
            dimensions?: {
                [key: string]: unknown;
            };
            value?: number | null;
            /** @description `primary` (too few) or `secondary`. */
            suppressed?: string | null;
        };
        TableResult: {
            table?: string;
            title?: string;
            period?: string;
            filters?: {
                [key: string]: unknown;
            };
            threshold?: number;
            disclosure_control?: string;
            cells?: components["schemas"]["Cell"][];
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
