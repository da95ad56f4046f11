/*
 * A device serial number: 16 characters, kept NUL-terminated in
 * char[SERIAL_LEN + 1] everywhere (configuration, IPC records, commands).
 */
#ifndef TSUN_SERIAL_H
#define TSUN_SERIAL_H

#define SERIAL_LEN	16

/* the MX series (MX3000D, "Titan"): serials starting Y00 */
#define SERIAL_IS_MX(s)	((s)[0] == 'Y' && (s)[1] == '0' && (s)[2] == '0')

#endif
