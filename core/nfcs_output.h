/* NFCS core — the output pipeline: snapshots, metrics and checkpoints are copied into
 * preallocated buffers and written by one I/O thread (every sink call comes from it), so writing
 * never stalls a tick; when the disk is slower than the run, the tick waits for a free buffer
 * (back-pressure), memory stays bounded. */
#ifndef NFCS_OUTPUT_H
#define NFCS_OUTPUT_H

#include "nfcs_base.h"
#include "nfcs_bundle.h"
#include "nfcs_sink.h"

NFCS_EXTERN_C_BEGIN

typedef struct nfcs_output nfcs_output;

/* Start the I/O thread and open the sinks through it (an essential sink's failure to open is
 * returned here).  snap_bytes: size of one snapshot buffer; nslots: buffers in flight;
 * sample_bytes: size of the buffer of one metrics sample's arrays (NFCS_OUTPUT_SAMPLE_SLOTS of
 * them); state_bytes/entries: the checkpoint bundle. */
#define NFCS_MAX_SINKS 8
#define NFCS_OUTPUT_SAMPLE_SLOTS 8
NFCS_API int nfcs_output_start(nfcs_ctx *ctx, const nfcs_sink *sinks, int nsinks, const nfcs_run_info *info, size_t snap_bytes,
                               int nslots, size_t sample_bytes, size_t state_bytes, int state_entries, nfcs_output **out);
/* A free snapshot buffer (waits while every buffer is queued). */
NFCS_API int nfcs_output_snapshot_buffer(nfcs_output *o, void **buf);
/* Queue the snapshot whose data lies in the buffer from nfcs_output_snapshot_buffer. */
NFCS_API int nfcs_output_snapshot(nfcs_output *o, void *buf, const nfcs_snapshot *s);
/* A free buffer for the arrays of a metrics sample (waits while every one is queued). */
NFCS_API int nfcs_output_sample_buffer(nfcs_output *o, void **buf);
/* Queue a metrics sample whose arrays (if any) lie in the buffer from nfcs_output_sample_buffer
 * (names are static strings; names and values are copied). */
NFCS_API int nfcs_output_metrics(nfcs_output *o, void *buf, const nfcs_metrics_sample *m);
/* The checkpoint bundle (waits until the previous checkpoint is written), then queue it. */
NFCS_API int nfcs_output_checkpoint_bundle(nfcs_output *o, nfcs_bundle **b);
NFCS_API int nfcs_output_checkpoint(nfcs_output *o, double t);
/* Write the timing, close the sink (status: the run's), join the thread.  Returns the first
 * error of the I/O thread (also recorded in the context). */
NFCS_API int nfcs_output_finish(nfcs_output *o, int status, const float *tick_ms, int64_t nticks, const nfcs_tick_stats *st);
/* Wait until the I/O thread has written everything queued (a collective sink: its calls are then
 * over before the coordinator makes its own collective calls).  Returns its first error. */
NFCS_API int nfcs_output_sync(nfcs_output *o);
/* The first error of the I/O thread so far (0 when none); non-blocking. */
NFCS_API int nfcs_output_failed(nfcs_output *o);
/* The live state after a tick, handed at once (on the caller's thread) to every live sink that
 * takes it (nfcs_sink_ops.tick). */
NFCS_API void nfcs_output_tick(nfcs_output *o, const nfcs_live *l);
/* Queue high-water mark: the most snapshot buffers ever in flight at once. */
NFCS_API int nfcs_output_max_in_flight(const nfcs_output *o);
NFCS_API void nfcs_output_destroy(nfcs_output **o);

NFCS_EXTERN_C_END
#endif
