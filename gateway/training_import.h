/* training_import.h - loading e-training batches (sessions) and participants from CSV. */
#ifndef CATAT_TRAINING_IMPORT_H
#define CATAT_TRAINING_IMPORT_H

/* Imports path ("-" for standard input) as kind "batches" (batch,session,starts_at,title,
 * material: one row per session) or "participants" (phone,name,batch,sex,age,district,
 * disability,relation,channel; participants become people, found or created by phone). Every
 * bad row is reported on stderr as FILE:LINE: reason and then nothing is loaded. config_path
 * may be NULL. Returns the exit status: 0 loaded, 1 not. */
int training_import(const char *kind, const char *path, const char *config_path);

#endif
