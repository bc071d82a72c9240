package rules

import (
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Ruleset is a loaded directory of rule files, immutable once loaded.
type Ruleset struct {
	Files  []*File // sorted by name
	Hash   string  // content hash of all files, recorded with every decision
	logger *slog.Logger
}

// Load reads every *.yaml and *.yml file under dir (hidden files and
// directories excepted), validates them and compiles their expressions.
// It returns all problems at once, joined, each an *Error (see Errors).
func Load(dir string, opts ...Option) (*Ruleset, error) {
	return LoadFS(os.DirFS(dir), append([]Option{withRoot(dir)}, opts...)...)
}

// LoadFS is Load on a file system, e.g. Examples.
func LoadFS(fsys fs.FS, opts ...Option) (*Ruleset, error) {
	cfg := newConfig(opts)
	srcs, err := readSources(fsys)
	if err != nil {
		return nil, &Error{File: cfg.display("."), Msg: err.Error()}
	}
	return load(srcs, cfg)
}

// load decodes and checks the sources of a ruleset.
func load(srcs []source, cfg *config) (*Ruleset, error) {
	if len(srcs) == 0 {
		return nil, &Error{File: cfg.display("."), Msg: "no *.yaml or *.yml rule files"}
	}

	rs := &Ruleset{Hash: hashSources(srcs), logger: cfg.logger}
	var errs []*Error
	for _, s := range srcs {
		f, ferrs := decodeFile(s.name, cfg.display(s.name), s.data, cfg.exprOpts)
		errs = append(errs, ferrs...)
		if f != nil {
			f.Hash = hashContent(s.data)
			rs.Files = append(rs.Files, f)
		}
	}
	errs = append(errs, duplicateIDs(rs.Files, cfg)...)
	if err := joinErrors(errs); err != nil {
		return nil, err
	}
	return rs, nil
}

// duplicateIDs reports rule ids used twice anywhere in the ruleset: a
// decision names its rule by id alone.
func duplicateIDs(files []*File, cfg *config) []*Error {
	var errs []*Error
	first := map[string]string{}
	for _, f := range files {
		for _, r := range f.Rules {
			if r.ID == "" {
				continue // reported already
			}
			where := fmt.Sprintf("%s:%d:%d", cfg.display(f.Name), r.Line, r.Column)
			if prev, ok := first[r.ID]; ok {
				errs = append(errs, &Error{File: cfg.display(f.Name), Line: r.Line, Column: r.Column,
					Msg: fmt.Sprintf("duplicate rule id %q (first at %s)", r.ID, prev)})
				continue
			}
			first[r.ID] = where
		}
	}
	return errs
}

// readSources returns the rule files of fsys in name order.
func readSources(fsys fs.FS) ([]source, error) {
	var srcs []source
	err := fs.WalkDir(fsys, ".", func(name string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		hidden := name != "." && strings.HasPrefix(e.Name(), ".")
		if e.IsDir() {
			if hidden {
				return fs.SkipDir
			}
			return nil
		}
		if ext := path.Ext(name); hidden || (ext != ".yaml" && ext != ".yml") {
			return nil
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		srcs = append(srcs, source{name: name, data: data})
		return nil
	})
	slices.SortFunc(srcs, func(a, b source) int { return strings.Compare(a.name, b.name) })
	return srcs, err
}

func withRoot(dir string) Option {
	return func(c *config) { c.root = dir }
}

// display is how errors name a file: joined to the directory given to Load.
func (c *config) display(name string) string {
	if c.root == "" {
		return name
	}
	return filepath.Join(c.root, filepath.FromSlash(name))
}
