import { defineMessages } from './catalog';

/** Staff notices of the till integration (print-stream passthrough). */
export const posMessages = defineMessages({
  en: {
    noTotal: 'Receipt total not read — the sale was not recorded for points; type the amount on the keypad if the customer wants points',
    notRecorded: 'Receipt total {total} read, but the sale was not recorded for points — type the amount on the keypad if the customer wants points',
    tooSlow: 'Receipt printed without points: recording the sale took too long — check the sale list before typing it again',
    truncated: 'Till stopped in the middle of a receipt — what arrived was printed as it was; no sale was recorded',
    printerDown:
      'Receipt printer at {address} does not take data — check power and cable; the till\u2019s receipts wait in the kiosk and print by themselves once it is back',
  },
  pl: {
    noTotal: 'Nie odczytano sumy paragonu — sprzedaż nie została zapisana do punktów; wpisz kwotę na klawiaturze, jeśli klient chce punkty',
    notRecorded: 'Odczytano sumę {total}, ale sprzedaż nie została zapisana do punktów — wpisz kwotę na klawiaturze, jeśli klient chce punkty',
    tooSlow: 'Paragon wydrukowany bez punktów: zapis sprzedaży trwał za długo — sprawdź listę sprzedaży, zanim wpiszesz ją ponownie',
    truncated: 'Kasa przerwała w połowie paragonu — to, co dotarło, wydrukowano bez zmian; sprzedaż nie została zapisana',
    printerDown:
      'Drukarka paragonów {address} nie przyjmuje danych — sprawdź zasilanie i kabel; paragony z kasy czekają w kiosku i wydrukują się same, gdy wróci',
  },
  hu: {
    noTotal: 'A blokk végösszege nem olvasható — az eladás nem kapott pontot; írja be az összeget a billentyűzeten, ha a vásárló pontot kér',
    notRecorded: 'A végösszeg ({total}) beolvasva, de az eladás nem kapott pontot — írja be az összeget a billentyűzeten, ha a vásárló pontot kér',
    tooSlow: 'A blokk pontok nélkül nyomtatódott: az eladás rögzítése túl sokáig tartott — nézze meg az eladások listáját, mielőtt újra beírja',
    truncated: 'A kassza a blokk közepén abbahagyta — ami megérkezett, változatlanul kinyomtatódott; eladás nem lett rögzítve',
    printerDown:
      'A blokknyomtató ({address}) nem fogad adatot — ellenőrizze a tápot és a kábelt; a kassza blokkjai a kioszkban várnak, és maguktól kinyomtatódnak, amint újra elérhető',
  },
  sk: {
    noTotal: 'Súčet bloku sa nepodarilo prečítať — predaj nebol zapísaný pre body; ak zákazník chce body, zadajte sumu na klávesnici',
    notRecorded: 'Súčet {total} prečítaný, ale predaj nebol zapísaný pre body — ak zákazník chce body, zadajte sumu na klávesnici',
    tooSlow: 'Blok vytlačený bez bodov: zápis predaja trval príliš dlho — pred opätovným zadaním skontrolujte zoznam predajov',
    truncated: 'Pokladnica prestala uprostred bloku — čo prišlo, sa vytlačilo nezmenené; predaj nebol zapísaný',
    printerDown:
      'Tlačiareň blokov {address} neprijíma dáta — skontrolujte napájanie a kábel; bločky z pokladnice čakajú v kiosku a vytlačia sa samy, keď bude späť',
  },
  cs: {
    noTotal: 'Součet účtenky se nepodařilo přečíst — prodej nebyl zapsán pro body; pokud zákazník chce body, zadejte částku na klávesnici',
    notRecorded: 'Součet {total} přečten, ale prodej nebyl zapsán pro body — pokud zákazník chce body, zadejte částku na klávesnici',
    tooSlow: 'Účtenka vytištěna bez bodů: zápis prodeje trval příliš dlouho — před opětovným zadáním zkontrolujte seznam prodejů',
    truncated: 'Pokladna přestala uprostřed účtenky — co dorazilo, se vytisklo beze změny; prodej nebyl zapsán',
    printerDown:
      'Tiskárna účtenek {address} nepřijímá data — zkontrolujte napájení a kabel; účtenky z pokladny čekají v kiosku a vytisknou se samy, až bude zpět',
  },
  de: {
    noTotal: 'Bonsumme nicht gelesen — der Verkauf wurde nicht für Punkte erfasst; den Betrag im Ziffernfeld eingeben, wenn der Kunde Punkte möchte',
    notRecorded: 'Bonsumme {total} gelesen, aber der Verkauf wurde nicht für Punkte erfasst — den Betrag im Ziffernfeld eingeben, wenn der Kunde Punkte möchte',
    tooSlow: 'Bon ohne Punkte gedruckt: das Erfassen des Verkaufs dauerte zu lange — vor erneuter Eingabe die Verkaufsliste prüfen',
    truncated: 'Die Kasse hat mitten im Bon aufgehört — das Angekommene wurde unverändert gedruckt; kein Verkauf erfasst',
    printerDown:
      'Bondrucker {address} nimmt keine Daten an — Strom und Kabel prüfen; die Bons der Kasse warten im Kiosk und werden gedruckt, sobald er wieder da ist',
  },
});
