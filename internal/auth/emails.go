package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/masteria/masteria/internal/companies"
	"github.com/masteria/masteria/internal/store/db"
)

// Mailer sends one plain-text email.
type Mailer interface {
	Send(ctx context.Context, to, subject, text string) error
}

// EmailArgs is the job that emails a link. It carries no link: the worker
// makes a fresh token when it runs, so no usable link is ever stored.
type EmailArgs struct {
	Purpose      string `json:"purpose"`
	UserID       string `json:"user_id,omitempty"`
	InvitationID string `json:"invitation_id,omitempty"`
}

// Kind names the job for River.
func (EmailArgs) Kind() string { return "auth.email" }

// InsertOpts retries a failing mail server for about a day.
func (EmailArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 12} }

// EmailWorker sends the emails EmailArgs ask for.
type EmailWorker struct {
	river.WorkerDefaults[EmailArgs]
	Service *Service
	Mailer  Mailer
}

// Timeout bounds one send, including the SMTP conversation.
func (w *EmailWorker) Timeout(*river.Job[EmailArgs]) time.Duration { return 30 * time.Second }

// Work makes the link and sends the email.
func (w *EmailWorker) Work(ctx context.Context, job *river.Job[EmailArgs]) error {
	s := w.Service
	var to, locale, subject, text string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		switch job.Args.Purpose {
		case purposeVerify, purposeReset:
			u, err := userByID(ctx, tx, job.Args.UserID)
			if err != nil {
				return river.JobCancel(fmt.Errorf("user gone: %w", err))
			}
			if job.Args.Purpose == purposeVerify && u.EmailVerified {
				return river.JobCancel(errors.New("already verified"))
			}
			token, err := newUserToken(ctx, tx, u.ID, job.Args.Purpose)
			if err != nil {
				return err
			}
			to, locale = u.Email, u.Locale
			if job.Args.Purpose == purposeVerify {
				subject, text = verifyEmail(locale, u.Name, s.link("/verify-email", token))
			} else {
				subject, text = resetEmail(locale, u.Name, s.link("/reset-password", token))
			}
		case purposeInvite:
			var companyName, inviter string
			err := tx.QueryRow(ctx, `SELECT i.email, c.name, COALESCE(u.name, ''), COALESCE(u.locale, '')
				  FROM invitations i JOIN companies c ON c.id = i.company_id LEFT JOIN users u ON u.id = i.invited_by
				 WHERE i.id = ? AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ?`,
				job.Args.InvitationID, db.Now()).Scan(&to, &companyName, &inviter, &locale)
			if errors.Is(err, sql.ErrNoRows) {
				return river.JobCancel(errors.New("invitation no longer pending"))
			}
			if err != nil {
				return err
			}
			token, hash := companies.NewToken()
			if _, err := tx.Exec(ctx, `UPDATE invitations SET token_hash = ? WHERE id = ?`, hash, job.Args.InvitationID); err != nil {
				return fmt.Errorf("new invitation link: %w", err)
			}
			subject, text = inviteEmail(locale, inviter, companyName, s.link("/invite", token))
		default:
			return river.JobCancel(fmt.Errorf("unknown email purpose %q", job.Args.Purpose))
		}
		return nil
	})
	// Sent after the commit: the SQLite writer is never held during an SMTP
	// conversation. A failed send is retried with a fresh link, which retires
	// the one made here.
	if err == nil {
		err = w.Mailer.Send(ctx, to, subject, text)
	}
	if err != nil {
		s.logger.Warn("email not sent", "purpose", job.Args.Purpose, "attempt", job.Attempt, "err", err)
	}
	return err
}

func verifyEmail(locale, name, link string) (string, string) {
	if locale == "en" {
		return "Confirm your email address",
			fmt.Sprintf("Hello %s,\n\nConfirm your email address to invite your team and create API keys in Masteria:\n\n%s\n\nIf you did not sign up, ignore this email.\n", name, link)
	}
	return "Confirme seu e-mail",
		fmt.Sprintf("Olá %s,\n\nConfirme seu e-mail para convidar sua equipe e criar chaves de API no Masteria:\n\n%s\n\nSe você não criou uma conta, ignore este e-mail.\n", name, link)
}

func resetEmail(locale, name, link string) (string, string) {
	if locale == "en" {
		return "Reset your password",
			fmt.Sprintf("Hello %s,\n\nChoose a new password for Masteria (the link works for one hour):\n\n%s\n\nIf you did not ask for this, ignore this email: your password stays the same.\n", name, link)
	}
	return "Crie uma nova senha",
		fmt.Sprintf("Olá %s,\n\nEscolha uma nova senha para o Masteria (o link vale por uma hora):\n\n%s\n\nSe você não pediu isso, ignore este e-mail: sua senha continua a mesma.\n", name, link)
}

func inviteEmail(locale, inviter, company, link string) (string, string) {
	if inviter == "" {
		inviter = "Masteria"
	}
	if locale == "en" {
		return fmt.Sprintf("%s invited you to %s on Masteria", inviter, company),
			fmt.Sprintf("%s invited you to join %s on Masteria.\n\nAccept the invitation (the link works for 7 days):\n\n%s\n", inviter, company, link)
	}
	return fmt.Sprintf("%s convidou você para %s no Masteria", inviter, company),
		fmt.Sprintf("%s convidou você para participar de %s no Masteria.\n\nAceite o convite (o link vale por 7 dias):\n\n%s\n", inviter, company, link)
}
