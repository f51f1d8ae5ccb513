import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Pencil, Plus, Trash2, Users } from "lucide-react";
import { inboxApi, inboxKeys, teamsQuery, type Team } from "../conversations/api";
import { AvailabilityDot } from "../conversations/parts";
import { membersQuery } from "./api";
import { Card } from "../../components/ui/card";
import { Button } from "../../components/ui/button";
import { Badge } from "../../components/ui/badge";
import { Field, FieldError } from "../../components/ui/field";
import { Checkbox } from "../../components/ui/input";
import { Alert } from "../../components/ui/alert";
import { Dialog, DialogContent, DialogFooter } from "../../components/ui/dialog";
import { EmptyState, PageHeader, Spinner } from "../../components/ui/misc";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { QueryError } from "../../components/query-error";
import { useToast } from "../../components/ui/toast";
import { useFormErrors } from "../../lib/useFormErrors";
import { useMe } from "../../app/AuthGuard";
import { isAdmin } from "../auth/api";

function TeamDialog({ team, open, onOpenChange }: { team?: Team; open: boolean; onOpenChange: (o: boolean) => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const toast = useToast();
  const members = useQuery({ ...membersQuery, enabled: open });
  const [name, setName] = useState(team?.name ?? "");
  const [auto, setAuto] = useState(team?.auto_assign ?? true);
  const [ids, setIds] = useState<string[]>(team?.members.map((m) => m.id) ?? []);
  const save = useMutation({
    mutationFn: () => {
      const body = { name: name.trim(), auto_assign: auto, member_ids: ids };
      return team ? inboxApi.updateTeam(team.id, body) : inboxApi.createTeam(body);
    },
    meta: { inline: true },
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: inboxKeys.teams });
      toast(team ? t("common.saved") : t("teams.created", { name: name.trim() }));
      if (!team) {
        setName("");
        setIds([]);
      }
      onOpenChange(false);
    },
  });
  const errors = useFormErrors(save.error);
  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate();
  }
  const toggle = (id: string) => setIds((x) => (x.includes(id) ? x.filter((y) => y !== id) : [...x, id]));
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent title={team ? t("teams.edit_title", { name: team.name }) : t("teams.new")} description={t("teams.form_help")}>
        <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
          <Field label={t("teams.name")} value={name} onChange={(e) => setName(e.target.value)} error={errors.fields.name} required />
          <label className="flex items-start gap-2 text-sm">
            <Checkbox checked={auto} onChange={(e) => setAuto(e.target.checked)} className="mt-0.5" />
            <span>
              <span className="font-medium">{t("teams.auto_assign")}</span>
              <span className="block text-xs text-muted-foreground">{t("teams.auto_assign_help")}</span>
            </span>
          </label>
          <fieldset className="flex flex-col gap-1.5">
            <legend className="mb-1.5 text-sm font-medium">{t("teams.members")}</legend>
            {members.isPending && <Spinner />}
            <ul className="flex max-h-60 flex-col gap-1 overflow-y-auto rounded-md border border-border p-2">
              {(members.data?.data ?? []).map((m) => (
                <li key={m.id}>
                  <label className="flex cursor-pointer items-center gap-2 rounded px-1 py-1 text-sm hover:bg-muted">
                    <Checkbox checked={ids.includes(m.id)} onChange={() => toggle(m.id)} />
                    <span className="flex-1">{m.name}</span>
                    <AvailabilityDot value={m.availability} />
                    <span className="text-xs text-muted-foreground">{t(`availability.${m.availability ?? "offline"}`)}</span>
                  </label>
                </li>
              ))}
            </ul>
            <FieldError>{errors.fields.member_ids}</FieldError>
          </fieldset>
          {errors.form && <Alert tone="danger">{errors.form}</Alert>}
          <DialogFooter>
            <Button variant="outline" onClick={() => onOpenChange(false)}>
              {t("common.cancel")}
            </Button>
            <Button type="submit" disabled={save.isPending || !name.trim()}>
              {team ? t("common.save") : t("teams.create")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

function TeamRow({ team, admin }: { team: Team; admin: boolean }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const remove = useMutation({
    mutationFn: () => inboxApi.removeTeam(team.id),
    onSettled: () => setConfirm(false),
    onSuccess: () => void qc.invalidateQueries({ queryKey: inboxKeys.teams }),
  });
  const online = team.members.filter((m) => m.availability === "online").length;
  return (
    <li className="flex flex-col gap-2 px-5 py-4 sm:flex-row sm:items-center sm:justify-between" data-testid="team-row">
      <div className="min-w-0">
        <p className="flex items-center gap-2 font-medium">
          {team.name}
          {team.auto_assign && <Badge tone="brand">{t("teams.auto_badge")}</Badge>}
        </p>
        <p className="text-sm text-muted-foreground">
          {t("teams.member_count", { count: team.members.length })} · {t("teams.online_count", { count: online })}
        </p>
        <ul className="mt-1 flex flex-wrap gap-x-3 gap-y-1 text-xs">
          {team.members.map((m) => (
            <li key={m.id} className="flex items-center gap-1">
              <AvailabilityDot value={m.availability} className="h-2 w-2" />
              {m.name}
            </li>
          ))}
        </ul>
      </div>
      {admin && (
        <div className="flex gap-1">
          <Button variant="ghost" size="sm" onClick={() => setEditing(true)}>
            <Pencil className="h-4 w-4" aria-hidden />
            {t("teams.edit")}
          </Button>
          <Button variant="ghost" size="sm" onClick={() => setConfirm(true)} title={t("teams.delete")}>
            <Trash2 className="h-4 w-4 text-danger" aria-hidden />
            <span className="sr-only">{t("teams.delete")}</span>
          </Button>
        </div>
      )}
      {editing && <TeamDialog team={team} open={editing} onOpenChange={setEditing} />}
      <ConfirmDialog
        open={confirm}
        onOpenChange={setConfirm}
        title={t("teams.delete_title", { name: team.name })}
        description={t("teams.delete_help")}
        confirmLabel={t("teams.delete")}
        onConfirm={() => remove.mutate()}
        pending={remove.isPending}
      />
    </li>
  );
}

/** Equipes: who answers which conversations, and whether they are handed out automatically. */
export function TeamsPage() {
  const { t } = useTranslation();
  const admin = isAdmin(useMe().role);
  const teams = useQuery(teamsQuery);
  const [creating, setCreating] = useState(false);
  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title={t("settings.nav.teams")}
        description={t("teams.help")}
        actions={
          admin ? (
            <Button onClick={() => setCreating(true)}>
              <Plus className="h-4 w-4" aria-hidden />
              {t("teams.new")}
            </Button>
          ) : undefined
        }
      />
      {!admin && <Alert>{t("teams.read_only")}</Alert>}
      <Card>
        {teams.isPending && <Spinner />}
        {teams.isError && (
          <div className="p-4">
            <QueryError error={teams.error} onRetry={() => teams.refetch()} />
          </div>
        )}
        {teams.isSuccess && teams.data.data.length === 0 && (
          <EmptyState icon={<Users className="h-6 w-6" aria-hidden />} title={t("teams.empty")}>
            {t("teams.empty_help")}
          </EmptyState>
        )}
        {teams.isSuccess && teams.data.data.length > 0 && (
          <ul className="divide-y divide-border">
            {teams.data.data.map((x) => (
              <TeamRow key={x.id} team={x} admin={admin} />
            ))}
          </ul>
        )}
      </Card>
      {creating && <TeamDialog open={creating} onOpenChange={setCreating} />}
    </div>
  );
}
