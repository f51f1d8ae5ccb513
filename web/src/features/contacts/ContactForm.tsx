import { useId, useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { contactKeys, contactsApi, fieldsQuery, tagsQuery, type Contact, type ContactInput, type FieldDef } from "./api";
import { LANGUAGE_CHOICES } from "./parts";
import { Dialog, DialogContent, DialogFooter } from "../../components/ui/dialog";
import { Field, FieldError } from "../../components/ui/field";
import { Input, Label, Select, Textarea } from "../../components/ui/input";
import { ChipsInput } from "../../components/ui/chips-input";
import { Button } from "../../components/ui/button";
import { Alert } from "../../components/ui/alert";
import { useToast } from "../../components/ui/toast";
import { useFormErrors } from "../../lib/useFormErrors";
import { isApiError } from "../../lib/api";

function fieldText(v: unknown): string {
  if (v === undefined || v === null) return "";
  return String(v);
}

/** The typed value of a custom field from what was typed; null when left blank. */
export function fieldValue(def: Pick<FieldDef, "type">, raw: string): unknown {
  const s = raw.trim();
  if (!s) return null;
  if (def.type === "number") {
    const n = Number(s.replace(",", "."));
    return Number.isNaN(n) ? s : n;
  }
  if (def.type === "boolean") return s === "true";
  return s;
}

function CustomField({
  def,
  value,
  onChange,
  error,
}: {
  def: FieldDef;
  value: string;
  onChange: (v: string) => void;
  error?: string;
}) {
  const { t } = useTranslation();
  const id = useId();
  const errId = `${id}-error`;
  const common = { id, "aria-invalid": error ? true : undefined, "aria-describedby": error ? errId : undefined };
  let control;
  if (def.type === "boolean") {
    control = (
      <Select {...common} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">—</option>
        <option value="true">{t("common.yes")}</option>
        <option value="false">{t("common.no")}</option>
      </Select>
    );
  } else if (def.type === "choice") {
    control = (
      <Select {...common} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">—</option>
        {value && !def.choices.includes(value) && <option value={value}>{value}</option>}
        {def.choices.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </Select>
    );
  } else {
    control = (
      <Input
        {...common}
        type={def.type === "date" ? "date" : "text"}
        inputMode={def.type === "number" ? "decimal" : undefined}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  return (
    <div className="flex flex-col gap-1.5">
      <Label htmlFor={id}>{def.label || def.key}</Label>
      {control}
      <FieldError id={errId}>{error}</FieldError>
    </div>
  );
}

function ContactFormBody({ contact, onDone }: { contact?: Contact; onDone: (c: Contact) => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const toast = useToast();
  const langId = useId();
  const tagsId = useId();
  const notesId = useId();
  const defs = useQuery(fieldsQuery);
  const tags = useQuery(tagsQuery);
  const [phone, setPhone] = useState(contact?.phone ?? "");
  const [name, setName] = useState(contact?.name ?? "");
  const [email, setEmail] = useState(contact?.email ?? "");
  const [language, setLanguage] = useState(contact?.language ?? "");
  const [notes, setNotes] = useState(contact?.notes ?? "");
  const [tagNames, setTagNames] = useState<string[]>(contact?.tags.map((x) => x.name) ?? []);
  const [values, setValues] = useState<Record<string, string>>(() => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(contact?.fields ?? {})) out[k] = fieldText(v);
    return out;
  });

  const save = useMutation({
    mutationFn: () => {
      const fields: Record<string, unknown> = {};
      for (const def of defs.data?.data ?? []) {
        const v = fieldValue(def, values[def.key] ?? "");
        if (v !== null) fields[def.key] = v;
        else if (contact && contact.fields[def.key] !== undefined) fields[def.key] = null;
      }
      const body: ContactInput = { phone, name, email, language, fields, tags: tagNames, notes };
      return contact ? contactsApi.update(contact.id, body) : contactsApi.create(body);
    },
    meta: { inline: true },
    onSuccess: (c) => {
      void qc.invalidateQueries({ queryKey: contactKeys.all });
      void qc.invalidateQueries({ queryKey: contactKeys.tags });
      qc.setQueryData(contactKeys.detail(c.id), c);
      toast(contact ? t("common.saved") : t("contacts.form.created", { name: c.name || c.phone }));
      onDone(c);
    },
  });
  const errors = useFormErrors(save.error);
  const apiErr = isApiError(save.error) ? save.error : null;
  const phoneError =
    apiErr?.fields.phone === "taken" || (apiErr?.code === "contact_exists" && !apiErr.fields.phone)
      ? t("contacts.form.phone_taken")
      : errors.fields.phone;
  const formError = errors.form && !phoneError ? errors.form : "";

  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate();
  }

  return (
    <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field
          label={t("contacts.fields.phone")}
          type="tel"
          autoComplete="off"
          value={phone}
          onChange={(e) => setPhone(e.target.value)}
          error={phoneError}
          hint={t("contacts.form.phone_hint")}
          required
        />
        <Field label={t("contacts.fields.name")} value={name} onChange={(e) => setName(e.target.value)} error={errors.fields.name} />
        <Field
          label={t("contacts.fields.email")}
          type="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={errors.fields.email}
        />
        <div className="flex flex-col gap-1.5">
          <Label htmlFor={langId}>{t("contacts.fields.language")}</Label>
          <Select id={langId} value={language} onChange={(e) => setLanguage(e.target.value)}>
            <option value="">{t("contacts.form.language_unknown")}</option>
            {language && !(LANGUAGE_CHOICES as readonly string[]).includes(language) && <option value={language}>{language}</option>}
            {LANGUAGE_CHOICES.map((l) => (
              <option key={l} value={l}>
                {t(`contacts.languages.${l.replace("-", "_")}`)}
              </option>
            ))}
          </Select>
          <FieldError>{errors.fields.language}</FieldError>
        </div>
        {(defs.data?.data ?? []).map((def) => (
          <CustomField
            key={def.id}
            def={def}
            value={values[def.key] ?? ""}
            onChange={(v) => setValues((vs) => ({ ...vs, [def.key]: v }))}
            error={errors.fields[`fields.${def.key}`]}
          />
        ))}
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor={tagsId}>{t("contacts.fields.tags")}</Label>
        <ChipsInput
          id={tagsId}
          value={tagNames}
          onChange={setTagNames}
          suggestions={tags.data?.data.map((x) => x.name)}
          prompt={t("contacts.form.tags_prompt")}
          invalid={Boolean(errors.fields.tags)}
        />
        <FieldError>{errors.fields.tags}</FieldError>
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor={notesId}>{t("contacts.fields.notes")}</Label>
        <Textarea id={notesId} value={notes} onChange={(e) => setNotes(e.target.value)} rows={3} />
        <FieldError>{errors.fields.notes}</FieldError>
      </div>
      {formError && <Alert tone="danger">{formError}</Alert>}
      <DialogFooter>
        <Button type="submit" disabled={save.isPending}>
          {contact ? t("common.save") : t("contacts.add")}
        </Button>
      </DialogFooter>
    </form>
  );
}

/** Adds a contact, or edits one when `contact` is given. */
export function ContactFormDialog({
  open,
  onOpenChange,
  contact,
  onSaved,
}: {
  open: boolean;
  onOpenChange: (o: boolean) => void;
  contact?: Contact;
  onSaved?: (c: Contact) => void;
}) {
  const { t } = useTranslation();
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent
        title={contact ? t("contacts.form.edit_title") : t("contacts.form.add_title")}
        size="wide"
      >
        {open && (
          <ContactFormBody
            contact={contact}
            onDone={(c) => {
              onOpenChange(false);
              onSaved?.(c);
            }}
          />
        )}
      </DialogContent>
    </Dialog>
  );
}
