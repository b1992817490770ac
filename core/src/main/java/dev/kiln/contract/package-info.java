/**
 * The schema contract and the quarantine: what rows must look like before cleaning, and where the rows that do not
 * go, with a reason code and their source location. {@link dev.kiln.contract.ContractChecker} checks and types the
 * rows in one projection; {@link dev.kiln.contract.ContractInference} infers a contract from a sample and
 * {@link dev.kiln.contract.ContractFile} saves it; {@link dev.kiln.contract.QuarantineTable} appends a run's rejected
 * rows to a Delta table. Reason codes are {@link dev.kiln.contract.QuarantineReason}.
 */
package dev.kiln.contract;
