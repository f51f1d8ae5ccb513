import { useId, useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";
import { KeyRound, Trash2, UserPlus, Users } from "lucide-react";
import { useMe } from "../../app/AuthGuard";
import { isAdmin, type Role } from "../auth/api";
import {
  invitationsQuery,
  membersQuery,
  settingsApi,
  settingsKeys,
  type CreatedInvitation,
  type Invitation,
  type Member,
} from "./api";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../components/ui/card";
import { Field, FieldError } from "../../components/ui/field";
import { Button } from "../../components/ui/button";
import { Alert } from "../../components/ui/alert";
import { Badge } from "../../components/ui/badge";
import { Input, Label, Select } from "../../components/ui/input";
import { AvailabilityDot } from "../conversations/parts";
import { EmptyState, Spinner } from "../../components/ui/misc";
import { Table, TBody, TD, TH, THead, TR } from "../../components/ui/table";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "../../components/ui/tabs";
import { Dialog, DialogContent, DialogFooter } from "../../components/ui/dialog";
import { CopyField } from "../../components/ui/copy-field";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { QueryError } from "../../components/query-error";
import { useToast } from "../../components/ui/toast";
import { useFormErrors } from "../../lib/useFormErrors";
import { isApiError } from "../../lib/api";
import { errorMessage } from "../../lib/errors";
import { useDates } from "./useDates";

function RoleSelect({ member, canGrantOwner }: { member: Member; canGrantOwner: boolean }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const toast = useToast();
  const change = useMutation({
    mutationFn: (role: Role) => settingsApi.updateMember(member.id, role),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: settingsKeys.members });
      toast(t("settings.team.role_changed", { name: member.name }));
    },
  });
  const roles: Role[] = canGrantOwner ? ["owner", "admin", "agent"] : ["admin", "agent"];
  const locked = member.role === "owner" && !canGrantOwner;
  if (locked) return <Badge>{t(`roles.${member.role}`)}</Badge>;
  return (
    <Select
      className="h-8 w-32 sm:w-36"
      aria-label={t("settings.team.role_of", { name: member.name })}
      value={member.role}
      disabled={change.isPending}
      onChange={(e) => change.mutate(e.target.value as Role)}
    >
      {roles.map((r) => (
        <option key={r} value={r}>
          {t(`roles.${r}`)}
        </option>
      ))}
    </Select>
  );
}

function MemberActions({ member }: { member: Member }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [confirm, setConfirm] = useState(false);
  const [link, setLink] = useState("");
  const remove = useMutation({
    mutationFn: () => settingsApi.removeMember(member.id),
    onSettled: () => setConfirm(false),
    onSuccess: () => qc.invalidateQueries({ queryKey: settingsKeys.members }),
  });
  const toast = useToast();
  const reset = useMutation({
    mutationFn: () => settingsApi.memberResetLink(member.id),
    meta: { inline: true },
    onSuccess: (d) => setLink(d.url),
    onError: (err) => {
      // The server refuses for people who also belong to other companies (and for owners, to admins).
      toast(
        isApiError(err) && err.status === 403 ? t("settings.team.reset_link_refused", { name: member.name }) : errorMessage(t, err),
        "error",
      );
    },
  });
  return (
    <div className="flex justify-end gap-1">
      <Button
        variant="ghost"
        size="sm"
        onClick={() => reset.mutate()}
        disabled={reset.isPending}
        title={t("settings.team.reset_link")}
      >
        <KeyRound className="h-4 w-4" aria-hidden />
        <span className="sr-only lg:not-sr-only">{t("settings.team.reset_link")}</span>
      </Button>
      <Button variant="ghost" size="sm" onClick={() => setConfirm(true)} title={t("settings.team.remove")}>
        <Trash2 className="h-4 w-4 text-danger" aria-hidden />
        <span className="sr-only">{t("settings.team.remove")}</span>
      </Button>
      <ConfirmDialog
        open={confirm}
        onOpenChange={setConfirm}
        title={t("settings.team.remove_title", { name: member.name })}
        description={t("settings.team.remove_help")}
        confirmLabel={t("settings.team.remove")}
        onConfirm={() => remove.mutate()}
        pending={remove.isPending}
      />
      <Dialog open={link !== ""} onOpenChange={(o) => !o && setLink("")}>
        <DialogContent
          title={t("settings.team.reset_link_title", { name: member.name })}
          description={t("settings.team.reset_link_help")}
        >
          <CopyField label={t("settings.team.reset_link")} value={link} testId="reset-link" />
          <DialogFooter>
            <Button onClick={() => setLink("")}>{t("common.done")}</Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </div>
  );
}

/** How many open conversations an agent takes at most; empty for no limit. Saved when the field is left. */
function CapacityInput({ member }: { member: Member }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const toast = useToast();
  const initial = member.capacity == null ? "" : String(member.capacity);
  const [v, setV] = useState(initial);
  const save = useMutation({
    mutationFn: (capacity: number | null) => settingsApi.updateCapacity(member.id, capacity),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: settingsKeys.members });
      toast(t("common.saved"));
    },
    onError: () => setV(initial),
  });
  const commit = () => {
    const trimmed = v.trim();
    if (trimmed === initial) return;
    const n = trimmed === "" ? null : Math.max(0, Math.floor(Number(trimmed)));
    if (n !== null && Number.isNaN(n)) {
      setV(initial);
      return;
    }
    save.mutate(n);
  };
  return (
    <div className="w-28">
      <Input
        type="number"
        min={0}
        inputMode="numeric"
        value={v}
        onChange={(e) => setV(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === "Enter" && (e.currentTarget as HTMLInputElement).blur()}
        placeholder={t("settings.team.no_limit")}
        aria-label={t("settings.team.capacity_of", { name: member.name })}
        className="h-8"
        disabled={save.isPending}
      />
    </div>
  );
}

function MembersTab() {
  const { t } = useTranslation();
  const dates = useDates();
  const me = useMe();
  const members = useQuery(membersQuery);
  const admin = isAdmin(me.role);
  if (members.isPending) return <Spinner />;
  if (members.isError) return <QueryError error={members.error} onRetry={() => members.refetch()} />;
  return (
    <Card>
      <Table data-testid="members-table">
        <THead>
          <TR>
            <TH>{t("settings.team.member")}</TH>
            <TH>{t("settings.team.role")}</TH>
            <TH title={t("settings.team.capacity_help")}>{t("settings.team.capacity")}</TH>
            <TH className="hidden sm:table-cell">{t("settings.team.joined")}</TH>
            {admin && (
              <TH>
                <span className="sr-only">{t("common.actions")}</span>
              </TH>
            )}
          </TR>
        </THead>
        <TBody>
          {members.data.data.map((m) => {
            const isSelf = m.id === me.user.id;
            return (
              <TR key={m.id}>
                <TD>
                  <div className="font-medium">
                    {m.name} {isSelf && <span className="text-muted-foreground">({t("settings.team.you")})</span>}
                  </div>
                  <div className="text-xs text-muted-foreground">{m.email}</div>
                  <div className="mt-0.5 flex items-center gap-1.5 text-xs text-muted-foreground" data-testid="member-availability">
                    <AvailabilityDot value={m.availability} />
                    {t(`availability.${m.availability ?? "offline"}`)}
                  </div>
                </TD>
                <TD>
                  {admin && !isSelf ? (
                    <RoleSelect member={m} canGrantOwner={me.role === "owner"} />
                  ) : (
                    <Badge tone={m.role === "owner" ? "brand" : "neutral"}>{t(`roles.${m.role}`)}</Badge>
                  )}
                </TD>
                <TD>
                  <div className="flex flex-col gap-1">
                    {admin ? <CapacityInput member={m} /> : <span>{m.capacity == null ? t("settings.team.no_limit") : m.capacity}</span>}
                    <span className="text-xs text-muted-foreground">{t("settings.team.open_now", { count: m.open_conversations ?? 0 })}</span>
                  </div>
                </TD>
                <TD className="hidden text-muted-foreground sm:table-cell">{dates.date(m.joined_at)}</TD>
                {admin && (
                  <TD>
                    {!isSelf && (me.role === "owner" || m.role !== "owner") && <MemberActions member={m} />}
                  </TD>
                )}
              </TR>
            );
          })}
        </TBody>
      </Table>
    </Card>
  );
}

function InviteForm({ onCreated }: { onCreated: (inv: CreatedInvitation) => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const roleId = useId();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("agent");
  const invite = useMutation({
    mutationFn: () => settingsApi.invite({ email, role }),
    meta: { inline: true },
    onSuccess: (inv) => {
      setEmail("");
      void qc.invalidateQueries({ queryKey: settingsKeys.invitations });
      onCreated(inv);
    },
  });
  const errors = useFormErrors(invite.error);
  function submit(e: FormEvent) {
    e.preventDefault();
    invite.mutate();
  }
  return (
    <form onSubmit={submit} className="flex flex-col gap-4 sm:flex-row sm:flex-wrap sm:items-start" noValidate>
      <div className="flex-1">
        <Field
          label={t("auth.email")}
          type="email"
          name="invite-email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={errors.fields.email}
          required
        />
      </div>
      <div className="flex flex-col gap-1.5 sm:w-44">
        <Label htmlFor={roleId}>{t("settings.team.role")}</Label>
        <Select id={roleId} name="invite-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
          <option value="agent">{t("roles.agent")}</option>
          <option value="admin">{t("roles.admin")}</option>
        </Select>
        <FieldError>{errors.fields.role}</FieldError>
      </div>
      <div className="sm:pt-6">
        <Button type="submit" disabled={invite.isPending} className="w-full sm:w-auto">
          <UserPlus className="h-4 w-4" aria-hidden />
          {t("settings.team.invite")}
        </Button>
      </div>
      {errors.form && (
        <div className="sm:basis-full">
          <Alert tone="danger">{errors.form}</Alert>
        </div>
      )}
    </form>
  );
}

function InvitationRow({ inv, admin }: { inv: Invitation; admin: boolean }) {
  const { t } = useTranslation();
  const dates = useDates();
  const qc = useQueryClient();
  const [confirm, setConfirm] = useState(false);
  const revoke = useMutation({
    mutationFn: () => settingsApi.revokeInvitation(inv.id),
    onSettled: () => setConfirm(false),
    onSuccess: () => qc.invalidateQueries({ queryKey: settingsKeys.invitations }),
  });
  return (
    <TR>
      <TD>
        <div className="font-medium">{inv.email}</div>
        {inv.invited_by && (
          <div className="text-xs text-muted-foreground">{t("settings.team.invited_by", { name: inv.invited_by.name })}</div>
        )}
        <Badge className="mt-1 sm:hidden">{t(`roles.${inv.role}`)}</Badge>
      </TD>
      <TD className="hidden sm:table-cell">
        <Badge>{t(`roles.${inv.role}`)}</Badge>
      </TD>
      <TD className="hidden text-muted-foreground sm:table-cell">{dates.dateTime(inv.expires_at)}</TD>
      {admin && (
        <TD className="text-right">
          <Button variant="ghost" size="sm" onClick={() => setConfirm(true)}>
            {t("settings.team.revoke")}
          </Button>
          <ConfirmDialog
            open={confirm}
            onOpenChange={setConfirm}
            title={t("settings.team.revoke_title", { email: inv.email })}
            description={t("settings.team.revoke_help")}
            confirmLabel={t("settings.team.revoke")}
            onConfirm={() => revoke.mutate()}
            pending={revoke.isPending}
          />
        </TD>
      )}
    </TR>
  );
}

function InvitationsTab() {
  const { t } = useTranslation();
  const me = useMe();
  const admin = isAdmin(me.role);
  const invitations = useQuery(invitationsQuery);
  const [created, setCreated] = useState<CreatedInvitation | null>(null);
  return (
    <div className="flex flex-col gap-6">
      {admin && (
        <Card>
          <CardHeader>
            <CardTitle>{t("settings.team.invite_title")}</CardTitle>
            <CardDescription>{t("settings.team.invite_help")}</CardDescription>
          </CardHeader>
          <CardContent>
            <InviteForm onCreated={setCreated} />
          </CardContent>
        </Card>
      )}
      <Card>
        <CardHeader>
          <CardTitle>{t("settings.team.pending")}</CardTitle>
        </CardHeader>
        {invitations.isPending && <Spinner />}
        {invitations.isError && (
          <CardContent>
            <QueryError error={invitations.error} onRetry={() => invitations.refetch()} />
          </CardContent>
        )}
        {invitations.data && invitations.data.data.length === 0 && (
          <EmptyState icon={<Users className="h-6 w-6" aria-hidden />} title={t("settings.team.no_invitations")}>
            {admin ? t("settings.team.no_invitations_help") : null}
          </EmptyState>
        )}
        {invitations.data && invitations.data.data.length > 0 && (
          <Table data-testid="invitations-table">
            <THead>
              <TR>
                <TH>{t("auth.email")}</TH>
                <TH className="hidden sm:table-cell">{t("settings.team.role")}</TH>
                <TH className="hidden sm:table-cell">{t("settings.team.expires")}</TH>
                {admin && (
                  <TH>
                    <span className="sr-only">{t("common.actions")}</span>
                  </TH>
                )}
              </TR>
            </THead>
            <TBody>
              {invitations.data.data.map((inv) => (
                <InvitationRow key={inv.id} inv={inv} admin={admin} />
              ))}
            </TBody>
          </Table>
        )}
      </Card>
      <Dialog open={created !== null} onOpenChange={(o) => !o && setCreated(null)}>
        {created && (
          <DialogContent
            title={t("settings.team.invited_title")}
            description={
              created.emailed
                ? t("settings.team.invited_emailed", { email: created.email })
                : t("settings.team.invited_link", { email: created.email })
            }
          >
            {!created.emailed && created.url && (
              <CopyField label={t("settings.team.invite_link")} value={created.url} testId="invite-link" />
            )}
            <DialogFooter>
              <Button onClick={() => setCreated(null)}>{t("common.done")}</Button>
            </DialogFooter>
          </DialogContent>
        )}
      </Dialog>
    </div>
  );
}

export function TeamPage() {
  const { t } = useTranslation();
  const me = useMe();
  const [params, setParams] = useSearchParams();
  // Pending invitations are for owners and admins only.
  if (!isAdmin(me.role)) return <MembersTab />;
  const tab = params.get("tab") === "invitations" ? "invitations" : "members";
  return (
    <Tabs
      value={tab}
      onValueChange={(v) => {
        const next = new URLSearchParams(params);
        if (v === "invitations") next.set("tab", v);
        else next.delete("tab");
        setParams(next, { replace: true });
      }}
    >
      <TabsList className="mb-4">
        <TabsTrigger value="members">{t("settings.team.members")}</TabsTrigger>
        <TabsTrigger value="invitations">{t("settings.team.invitations")}</TabsTrigger>
      </TabsList>
      <TabsContent value="members">
        <MembersTab />
      </TabsContent>
      <TabsContent value="invitations">
        <InvitationsTab />
      </TabsContent>
    </Tabs>
  );
}
