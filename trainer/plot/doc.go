// Package plot draws the training curves of a run into a PNG file.
//
// The trainer calls [WritePNG] once, at the end of training, with the
// training loss, the evaluation loss and any evaluation metrics logged
// along the way. The image has a loss panel (train and eval loss against
// the optimizer step) and, when metrics are present, a second panel with
// the metrics on a [0, 1] axis. Non-finite values are skipped, so a run
// that diverged still gets a readable picture of the steps before it did.
package plot
