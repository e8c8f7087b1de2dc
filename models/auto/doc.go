// Package auto picks the architecture of a model from config.json's model_type, as
// transformers' AutoModelForSequenceClassification does. It sits above the architecture
// packages so that package models does not import them (no import cycle).
package auto
