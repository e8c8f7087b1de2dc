package config

import "errors"

// pendingField is a key Config decodes and validates but hftrain does not act on yet: a
// non-default value is refused (ErrUnsupported) rather than silently ignored. Each entry names the
// work that will wire it up; wiring a key up means deleting its entry here.
type pendingField struct {
	key  string
	set  func(c *Config) bool
	what string
}

func pendingFields() []pendingField {
	return []pendingField{
		{"do_predict", func(c *Config) bool { return c.Training.DoPredict }, "prediction during training (use `hftrain predict`)"},
		{"test_file", func(c *Config) bool { return c.Data.TestFile != "" }, "prediction during training (use `hftrain predict`)"},
		{"max_predict_samples", func(c *Config) bool { return c.Data.MaxPredictSamples != 0 }, "prediction during training (use `hftrain predict`)"},
	}
}

// CheckImplemented refuses non-default values of keys that Config accepts and Validate checks but
// hftrain does not act on yet, so that no setting is silently ignored. Commands that run training
// call it after Validate.
func (c *Config) CheckImplemented() error {
	var errs []error
	for _, p := range pendingFields() {
		if p.set(c) {
			errs = append(errs, errorf(ErrUnsupported, "%s is not supported yet (%s is not implemented in hftrain yet)", p.key, p.what))
		}
	}
	return errors.Join(errs...)
}
