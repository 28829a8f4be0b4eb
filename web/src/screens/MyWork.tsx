import { useQuery } from "@tanstack/react-query";
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { Link as RouterDomLink } from "react-router";
import {
  Button,
  Heading,
  InlineAlert,
  LinkList,
  LinkListItem,
  LoadingSpinner,
  RouterLink,
} from "suomifi-ui-components";
import { ApiError, dataOf, pilots } from "../api/clients";
import type { components } from "../api/pilots";
import { routeLink } from "../routes";

type Counts = components["schemas"]["MyWork"];

/** Each count of GET /v1/my-work, its label and the list that shows it (shared/ui_routes.py). */
export const ITEMS = [
  { count: "tasks_due_today", label: "myWork.tasksDueToday", href: routeLink("tasks", { assigned: "me", due: "today" }) },
  { count: "tasks_overdue", label: "myWork.tasksOverdue", href: routeLink("tasks", { assigned: "me", overdue: "true" }) },
  { count: "tasks_open", label: "myWork.tasksOpen", href: routeLink("tasks", { assigned: "me", open: "true" }) },
  { count: "idle_cases", label: "myWork.idleCases", href: routeLink("cases", { responsible: "me", idle: "true" }) },
  { count: "new_referrals", label: "myWork.newReferrals", href: routeLink("cases", { state: "referred" }) },
  { count: "responsible_cases", label: "myWork.responsibleCases", href: routeLink("cases", { responsible: "me", open: "true" }) },
] as const satisfies readonly { count: keyof Counts; label: string; href: string }[];

export const MY_WORK_QUERY = ["pilots", "my-work"] as const;

async function fetchMyWork(signal: AbortSignal): Promise<Counts> {
  return dataOf(await pilots.GET("/v1/my-work", { signal }));
}

/** My work: what needs doing across my cases, each count a link to its list. */
export default function MyWork() {
  const { t, i18n } = useTranslation();
  const headingId = useId();
  const query = useQuery({ queryKey: MY_WORK_QUERY, queryFn: ({ signal }) => fetchMyWork(signal) });
  const number = new Intl.NumberFormat(i18n.resolvedLanguage);

  let body;
  if (query.isPending) {
    body = <LoadingSpinner status="loading" text={t("myWork.loading")} />;
  } else if (query.isError) {
    const status = query.error instanceof ApiError ? query.error.status : 0;
    const message =
      status === 401 ? t("myWork.signedOut") : status === 403 ? t("myWork.forbidden") : t("myWork.failed");
    body = (
      <InlineAlert status="error">
        <p>{message}</p>
        {status !== 401 && status !== 403 && (
          <Button variant="secondary" onClick={() => void query.refetch()}>
            {t("myWork.retry")}
          </Button>
        )}
      </InlineAlert>
    );
  } else {
    const counts = query.data;
    body = (
      <LinkList ariaLabelledBy={headingId}>
        {ITEMS.map((item) => (
          <LinkListItem key={item.count}>
            <RouterLink asComponent={RouterDomLink} to={item.href}>
              {t(item.label)}: {number.format(counts[item.count] ?? 0)}
            </RouterLink>
          </LinkListItem>
        ))}
      </LinkList>
    );
  }
  return (
    <>
      <Heading variant="h1" id={headingId} mb="m">
        {t("myWork.title")}
      </Heading>
      {body}
    </>
  );
}
