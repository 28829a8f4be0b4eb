import { useTranslation } from "react-i18next";
import { Link as RouterDomLink } from "react-router";
import { Heading, Paragraph, RouterLink } from "suomifi-ui-components";
import { routeLink } from "../routes";

/** Any address that is no screen (yet). */
export default function NotFound() {
  const { t } = useTranslation();
  return (
    <>
      <Heading variant="h1" mb="m">
        {t("notFound.title")}
      </Heading>
      <Paragraph mb="m">{t("notFound.text")}</Paragraph>
      <RouterLink asComponent={RouterDomLink} to={routeLink("my_work")}>
        {t("notFound.home")}
      </RouterLink>
    </>
  );
}
