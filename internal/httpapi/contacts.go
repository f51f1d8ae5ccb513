package httpapi

import (
	"encoding/json"
	"errors"
	"github.com/masteria/masteria/internal/realtime"
	"net/http"
	"strings"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/auth"
	"github.com/masteria/masteria/internal/companies"
	"github.com/masteria/masteria/internal/contacts"
)

func company(r *http.Request) string {
	p, _ := auth.From(r.Context())
	return p.CompanyID
}

// contactQuery reads the list filters of GET /contacts (and count, export).
func contactQuery(r *http.Request, paged bool) (contacts.Query, error) {
	q := r.URL.Query()
	cq := contacts.Query{SegmentID: q.Get("segment_id"), Filter: contacts.Filter{Q: q.Get("q"), Consent: q.Get("consent")}}
	if t := q.Get("tag"); t != "" {
		cq.Filter.Tags = &contacts.TagFilter{All: []string{t}}
	}
	if paged {
		limit, cursor, err := page(r)
		if err != nil {
			return cq, err
		}
		cq.Limit, cq.Cursor = limit, cursor
	}
	return cq, nil
}

func (s *Server) listContacts(w http.ResponseWriter, r *http.Request) {
	q, err := contactQuery(r, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items, next, err := s.contacts.List(r.Context(), company(r), q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[contacts.Contact]{Data: items, NextCursor: next})
}

type countOut struct {
	Count int `json:"count"`
}

func (s *Server) countContacts(w http.ResponseWriter, r *http.Request) {
	q, err := contactQuery(r, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	n, err := s.contacts.Count(r.Context(), company(r), q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, countOut{n})
}

func (s *Server) exportContacts(w http.ResponseWriter, r *http.Request) {
	q, err := contactQuery(r, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Validate before the first byte goes out: after it, errors cannot
	// become the envelope.
	if _, err := s.contacts.Count(r.Context(), company(r), contacts.Query{Filter: q.Filter, SegmentID: q.SegmentID}); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="contatos.csv"`)
	if err := s.contacts.Export(r.Context(), company(r), q, w); err != nil {
		s.logger.ErrorContext(r.Context(), "export interrupted", "request_id", requestID(r.Context()), "err", err)
	}
}

func (s *Server) createContact(w http.ResponseWriter, r *http.Request) {
	var in contacts.Input
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.contacts.Create(r.Context(), company(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) getContact(w http.ResponseWriter, r *http.Request) {
	c, err := s.contacts.Get(r.Context(), company(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) updateContact(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in contacts.Patch
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.contacts.Update(r.Context(), company(r), id, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.publish(r, "contact.updated", map[string]any{"contact_id": id})
	writeJSON(w, http.StatusOK, c)
}

// publish tells the company's live clients what a request changed, after
// the service committed it.
func (s *Server) publish(r *http.Request, typ string, data map[string]any) {
	if s.Hub != nil {
		s.Hub.Publish(company(r), realtime.Event{Type: typ, Data: data})
	}
}

func (s *Server) deleteContact(w http.ResponseWriter, r *http.Request) {
	if err := s.contacts.Delete(r.Context(), company(r), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.publish(r, "contact.deleted", map[string]any{"contact_id": r.PathValue("id")})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) exportContact(w http.ResponseWriter, r *http.Request) {
	out, err := s.contacts.ExportOne(r.Context(), company(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="contato.json"`)
	writeJSON(w, http.StatusOK, out)
}

type mergeIn struct {
	OtherID string `json:"other_id"`
}

func (s *Server) mergeContact(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in mergeIn
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.contacts.Merge(r.Context(), company(r), id, in.OtherID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.publish(r, "contact.updated", map[string]any{"contact_id": id})
	s.publish(r, "contact.deleted", map[string]any{"contact_id": in.OtherID, "merged_into": id})
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) consentHistory(w http.ResponseWriter, r *http.Request) {
	items, err := s.contacts.ConsentHistory(r.Context(), company(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[contacts.ConsentEvent]{Data: items})
}

func (s *Server) recordConsent(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in contacts.ConsentInput
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	ev, err := s.contacts.RecordConsent(r.Context(), company(r), id, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.publish(r, "contact.updated", map[string]any{"contact_id": id})
	writeJSON(w, http.StatusCreated, ev)
}

type affectedOut struct {
	Affected int64 `json:"affected"`
}

func (s *Server) bulkContacts(w http.ResponseWriter, r *http.Request) {
	var in contacts.BulkInput
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, _ := auth.From(r.Context())
	if in.Delete && !p.Role.AtLeast(companies.Admin) {
		s.writeError(w, r, apierr.Forbidden("Only admins can erase contacts."))
		return
	}
	n, err := s.contacts.Bulk(r.Context(), p.CompanyID, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, affectedOut{n})
}

// upload reads the multipart file of an import request.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) (file multipartFile, name string, size int64, err error) {
	r.Body = http.MaxBytesReader(w, r.Body, contacts.MaxImportBytes+1<<20)
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, "", 0, apierr.New(http.StatusRequestEntityTooLarge, "file_too_large", "The file is larger than 256 MB.")
		}
		return nil, "", 0, apierr.BadRequest("multipart_required", "Send the file as multipart/form-data in the field \"file\".")
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return nil, "", 0, apierr.Field("file", "required")
	}
	return f, hdr.Filename, hdr.Size, nil
}

type multipartFile interface {
	Read([]byte) (int, error)
	ReadAt([]byte, int64) (int, error)
	Close() error
}

func (s *Server) previewImport(w http.ResponseWriter, r *http.Request) {
	f, name, size, err := s.upload(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer f.Close()
	p, err := s.contacts.PreviewFile(r.Context(), company(r), f, size, name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

type idOut struct {
	ID string `json:"id"`
}

func (s *Server) startImport(w http.ResponseWriter, r *http.Request) {
	f, name, size, err := s.upload(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer f.Close()
	var mapping map[string]string
	if m := r.FormValue("mapping"); m != "" {
		if err := json.Unmarshal([]byte(m), &mapping); err != nil {
			s.writeError(w, r, apierr.Field("mapping", "invalid_json"))
			return
		}
	}
	var opts contacts.ImportOptions
	if o := r.FormValue("options"); o != "" {
		dec := json.NewDecoder(strings.NewReader(o))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&opts); err != nil {
			s.writeError(w, r, apierr.Field("options", "invalid_json"))
			return
		}
	}
	imp, err := s.contacts.StartImport(r.Context(), company(r), name, f, size, mapping, opts)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, idOut{imp.ID})
}

func (s *Server) listImports(w http.ResponseWriter, r *http.Request) {
	items, err := s.contacts.Imports(r.Context(), company(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[contacts.Import]{Data: items})
}

func (s *Server) getImport(w http.ResponseWriter, r *http.Request) {
	imp, err := s.contacts.GetImport(r.Context(), company(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, imp)
}

func (s *Server) importReport(w http.ResponseWriter, r *http.Request) {
	if _, err := s.contacts.GetImport(r.Context(), company(r), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	lang := "en"
	if strings.HasPrefix(strings.ToLower(r.URL.Query().Get("lang")+r.Header.Get("Accept-Language")), "pt") {
		lang = "pt-BR"
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="relatorio-importacao.csv"`)
	if err := s.contacts.Report(r.Context(), company(r), r.PathValue("id"), lang, w); err != nil {
		s.logger.ErrorContext(r.Context(), "report interrupted", "err", err)
	}
}

func (s *Server) listTags(w http.ResponseWriter, r *http.Request) {
	items, err := s.contacts.Tags(r.Context(), company(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[contacts.Tag]{Data: items})
}

func (s *Server) createTag(w http.ResponseWriter, r *http.Request) {
	var in contacts.TagInput
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.contacts.CreateTag(r.Context(), company(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, t)
}

func (s *Server) updateTag(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in contacts.TagInput
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.contacts.UpdateTag(r.Context(), company(r), id, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) deleteTag(w http.ResponseWriter, r *http.Request) {
	if err := s.contacts.DeleteTag(r.Context(), company(r), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listFields(w http.ResponseWriter, r *http.Request) {
	items, err := s.contacts.Fields(r.Context(), company(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[contacts.FieldDef]{Data: items})
}

func (s *Server) createField(w http.ResponseWriter, r *http.Request) {
	var in contacts.FieldInput
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := s.contacts.CreateField(r.Context(), company(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, f)
}

func (s *Server) updateField(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in contacts.FieldInput
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := s.contacts.UpdateField(r.Context(), company(r), id, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, f)
}

func (s *Server) deleteField(w http.ResponseWriter, r *http.Request) {
	if err := s.contacts.DeleteField(r.Context(), company(r), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listSegments(w http.ResponseWriter, r *http.Request) {
	items, err := s.contacts.Segments(r.Context(), company(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[contacts.Segment]{Data: items})
}

func (s *Server) createSegment(w http.ResponseWriter, r *http.Request) {
	var in contacts.SegmentInput
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	seg, err := s.contacts.CreateSegment(r.Context(), company(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, seg)
}

func (s *Server) getSegment(w http.ResponseWriter, r *http.Request) {
	seg, err := s.contacts.Segment(r.Context(), company(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, seg)
}

func (s *Server) updateSegment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in contacts.SegmentInput
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	seg, err := s.contacts.UpdateSegment(r.Context(), company(r), id, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, seg)
}

func (s *Server) deleteSegment(w http.ResponseWriter, r *http.Request) {
	if err := s.contacts.DeleteSegment(r.Context(), company(r), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) segmentCount(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	n, err := s.contacts.Count(r.Context(), company(r), contacts.Query{SegmentID: id})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, countOut{n})
}

type filterIn struct {
	Filter contacts.Filter `json:"filter"`
}

func (s *Server) countFilter(w http.ResponseWriter, r *http.Request) {
	var in filterIn
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	n, err := s.contacts.Count(r.Context(), company(r), contacts.Query{Filter: in.Filter})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, countOut{n})
}
