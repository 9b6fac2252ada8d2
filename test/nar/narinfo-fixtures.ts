// The narinfo of spec appendix A.4, before signing, and the signature text A.4 lists.
export const A4_UNSIGNED = `StorePath: /gnu/store/0123456789abcdfghijklmnpqrsvwxyz-tree
NarHash: sha256:1r2djnkij7x037r2fjmvpqs0ajp7451jkba2az6n9mdxa5d8vir7
NarSize: 1072
References: 
Deriver: zyxwvsrqpnmlkjihgfdcba9876543210-tree.drv
URL: nar/gzip/0123456789abcdfghijklmnpqrsvwxyz-tree
Compression: gzip
FileSize: 321
`;
export const A4_SIGNATURE_TEXT = `(signature 
 (data 
  (flags rfc6979)
  (hash sha256 #068BF518F909137D47F0C89CEB3B30AE4C107955872B59C7DAB3AFAD022559B0#)
  )
 (sig-val 
  (ecdsa 
   (r #037F0E940F40A63C89BD9555E46643EA754E4B598C17251142559461AA78884E#)
   (s #082993350C53D231316827F04614F22CF63E1368E53D07966133FE2DB00DBCC8#)
   )
  )
 (public-key 
  (ecc 
   (curve Ed25519)
   (q #A667B2B55D3A515F5627025B3473EAA648F4D5DAD66D39BD0BECA99F04D46869#)
   )
  )
 )
`;
